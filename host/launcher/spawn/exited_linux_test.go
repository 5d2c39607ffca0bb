package spawn

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// A killed child counts as exited while it is a zombie, before anyone
// reaped it, and the check does not reap it.
func TestExitedUnreaped(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	if exitedUnreaped(pid) {
		t.Fatal("a running child counted as exited")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !exitedUnreaped(pid) {
		if time.Now().After(deadline) {
			t.Fatal("a killed child never counted as exited")
		}
		time.Sleep(5 * time.Millisecond) // polling the kernel's state: no event to wait on
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err != nil {
		t.Fatal("the check reaped the child")
	}
	_ = cmd.Wait()
}
