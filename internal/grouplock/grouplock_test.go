//go:build unix

package grouplock

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// envHolder makes the test binary a lock holder for TestKilledHolderReleases.
const envHolder = "GROUPLOCK_TEST_HOLD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(envHolder); dir != "" {
		l, err := Open(dir)
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		if _, err := l.Lock(context.Background(), "g"); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("locked")
		select {} // held until killed
	}
	os.Exit(m.Run())
}

func open(t *testing.T) *Locks {
	t.Helper()
	l, err := Open(filepath.Join(t.TempDir(), "locks"))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func expired() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// A held lock keeps a second holder out, naming the holder, until released;
// other names are independent. flock belongs to an open file, so two Locks
// in one process exclude each other as two processes would.
func TestLockExcludesUntilReleased(t *testing.T) {
	t.Parallel()
	l := open(t)
	h, err := l.Lock(context.Background(), "host\x00group-1")
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.Lock(expired(), "host\x00group-1")
	busy, ok := errors.AsType[*Busy](err)
	if !ok || busy.Holder != os.Getpid() || !errors.Is(err, context.Canceled) {
		t.Fatalf("second lock: %v", err)
	}
	other, err := l.Lock(expired(), "host\x00group-2")
	if err != nil {
		t.Fatalf("another group's lock: %v", err)
	}
	other.Release()
	h.Release()
	h.Release() // twice is harmless
	again, err := l.Lock(expired(), "host\x00group-1")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again.Release()
}

// A waiter gets the lock as soon as the holder releases it.
func TestWaiterGetsReleasedLock(t *testing.T) {
	l := open(t)
	h, err := l.Lock(context.Background(), "g")
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	busyHook = func() { once.Do(h.Release) }
	t.Cleanup(func() { busyHook = func() {} })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	w, err := l.Lock(ctx, "g")
	if err != nil {
		t.Fatalf("waiter: %v", err)
	}
	w.Release()
}

// The kernel drops the lock of a process that dies, so a crashed writer
// never leaves a group locked.
func TestKilledHolderReleases(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "locks")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envHolder+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, _ := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "locked" {
		t.Fatalf("holder said %q", line)
	}
	l, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.Lock(expired(), "g")
	if busy, ok := errors.AsType[*Busy](err); !ok || busy.Holder != cmd.Process.Pid {
		t.Fatalf("while the holder lives: %v", err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	h, err := l.Lock(expired(), "g")
	if err != nil {
		t.Fatalf("after the holder died: %v", err)
	}
	h.Release()
}

func TestOpenChecksTheDirectory(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	loose := filepath.Join(base, "loose")
	if err := os.Mkdir(loose, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(loose); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(loose); fi.Mode().Perm() != 0o700 {
		t.Fatalf("mode %v, want 0700", fi.Mode().Perm())
	}
	link := filepath.Join(base, "link")
	if err := os.Symlink(loose, link); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(link); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("symlink: %v", err)
	}
	file := filepath.Join(base, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(file); err == nil {
		t.Fatal("a file was accepted as the lock directory")
	}
	// A lock file planted as a symlink is not followed.
	l, err := Open(loose)
	if err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(base, "target")
	if err := os.WriteFile(target, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, l.path("planted")); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Lock(expired(), "planted"); err == nil {
		t.Fatal("a symlinked lock file was followed")
	}
	if b, _ := os.ReadFile(target); string(b) != "keep" {
		t.Fatalf("the symlink's target was written: %q", b)
	}
}

func TestDefaultDir(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", "/state")
	if d, _ := DefaultDir(); d != "/state/tfy-secrets/locks" {
		t.Fatalf("with XDG_STATE_HOME: %s", d)
	}
	t.Setenv("XDG_STATE_HOME", "relative")
	t.Setenv("HOME", "/home/u")
	if d, _ := DefaultDir(); d != "/home/u/.local/state/tfy-secrets/locks" {
		t.Fatalf("relative XDG_STATE_HOME: %s", d)
	}
}
