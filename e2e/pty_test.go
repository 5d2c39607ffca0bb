package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
	"golang.org/x/sys/unix"
)

// term is the host running on a real pseudo-terminal, as a person sees it.
type term struct {
	t       *testing.T
	cmd     *exec.Cmd
	pty     *os.File
	mu      sync.Mutex
	out     bytes.Buffer
	seen    int           // transcript offset after the last expect
	changed chan struct{} // poked whenever output arrives
	copied  chan struct{} // closed when the transcript is complete
}

func (u *user) startTerm(args ...string) *term {
	u.t.Helper()
	cmd := exec.Command(bin.host, args...)
	cmd.Env = append(u.environ(), "TERM=dumb")
	cmd.Dir = u.home
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 200})
	if err != nil {
		u.t.Fatal(err)
	}
	tm := &term{t: u.t, cmd: cmd, pty: f, changed: make(chan struct{}, 1), copied: make(chan struct{})}
	go func() {
		defer close(tm.copied)
		buf := make([]byte, 4096)
		for {
			n, err := f.Read(buf)
			if n > 0 {
				tm.mu.Lock()
				tm.out.Write(buf[:n])
				tm.mu.Unlock()
				select {
				case tm.changed <- struct{}{}:
				default:
				}
			}
			if err != nil { // EIO once the host has exited
				return
			}
		}
	}()
	u.t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = f.Close()
	})
	return tm
}

// expect waits (bounded) until s appears in the output after what earlier
// expects consumed.
func (tm *term) expect(s string) {
	tm.t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		tm.mu.Lock()
		i := strings.Index(tm.out.String()[tm.seen:], s)
		if i >= 0 {
			tm.seen += i + len(s)
		}
		tm.mu.Unlock()
		if i >= 0 {
			return
		}
		select {
		case <-tm.changed:
		case <-tm.copied:
			tm.mu.Lock()
			ok := strings.Contains(tm.out.String()[tm.seen:], s)
			tm.mu.Unlock()
			if !ok {
				tm.t.Fatalf("host ended without printing %q; transcript:\n%s", s, tm.transcript())
			}
		case <-deadline:
			tm.t.Fatalf("timed out waiting for %q; transcript:\n%s", s, tm.transcript())
		}
	}
}

// expectHidden waits for a hidden-input prompt: its text, then the
// terminal's echo switched off (read through the pty master, which reports
// the terminal's modes), so what the test types next is what a person
// would type after the prompt appeared.
func (tm *term) expectHidden(prompt string) {
	tm.t.Helper()
	tm.expect(prompt)
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		attrs, err := unix.IoctlGetTermios(int(tm.pty.Fd()), unix.TCGETS)
		if err != nil {
			tm.t.Fatal(err)
		}
		if attrs.Lflag&unix.ECHO == 0 {
			return
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("the prompt %q never switched echo off; transcript:\n%s", prompt, tm.transcript())
		}
		<-tick.C
	}
}

func (tm *term) send(s string) {
	tm.t.Helper()
	if _, err := io.WriteString(tm.pty, s); err != nil {
		tm.t.Fatal(err)
	}
}

// wait returns the exit code once the host has exited and its output is
// read to the end.
func (tm *term) wait() int {
	tm.t.Helper()
	err := tm.cmd.Wait()
	<-tm.copied
	if ee, ok := errors.AsType[*exec.ExitError](err); ok {
		return ee.ExitCode()
	}
	if err != nil {
		tm.t.Fatal(err)
	}
	return 0
}

func (tm *term) transcript() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return tm.out.String()
}

// children returns the pids of a process's children.
func children(t *testing.T, pid int) []int {
	t.Helper()
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for _, task := range tasks {
		data, err := os.ReadFile(task)
		if err != nil {
			continue
		}
		for f := range strings.FieldsSeq(string(data)) {
			if n, err := strconv.Atoi(f); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

// pluginOf finds the host's plugin child and returns its pid and argv
// (/proc/PID/cmdline), which must never carry a value.
func pluginOf(t *testing.T, hostPid int) (int, string) {
	t.Helper()
	for _, pid := range children(t, hostPid) {
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err == nil && strings.Contains(string(cmdline), "tfy-secrets-plugin") {
			return pid, strings.ReplaceAll(string(cmdline), "\x00", " ")
		}
	}
	t.Fatalf("host %d has no plugin child", hostPid)
	return 0, ""
}

// TestPromptsOnATerminal: a hidden value prompt does not echo, the [y/N]
// confirmation is honoured both ways, and a group delete wants the typed
// group name.
func TestPromptsOnATerminal(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	value := testkit.Canary("prompted-")

	tm := u.startTerm("group", "create", "typed", "--provider", "azure", "--prompt", "API-KEY")
	tm.expectHidden("API-KEY")
	tm.send(value + "\r")
	tm.expect("Proceed? [y/N]")
	tm.send("y\r")
	if code := tm.wait(); code != 0 {
		t.Fatalf("create on a terminal: exit %d\n%s", code, tm.transcript())
	}
	if strings.Contains(tm.transcript(), value) {
		t.Fatalf("the prompted value was echoed:\n%s", tm.transcript())
	}
	if got := e.stored(t, "typed")["API-KEY"]; got != value {
		t.Fatalf("stored value differs from what was typed (len %d vs %d)", len(got), len(value))
	}

	u.env["OTHER"] = testkit.Canary("other-")
	tm = u.startTerm("group", "update", "typed", "--from-env", "OTHER-KEY=OTHER")
	tm.expect("Proceed? [y/N]")
	tm.send("n\r")
	if code := tm.wait(); code != 8 {
		t.Fatalf("declined update: exit %d, want 8\n%s", code, tm.transcript())
	}
	if _, ok := e.stored(t, "typed")["OTHER-KEY"]; ok {
		t.Fatal("a declined update was applied")
	}

	tm = u.startTerm("group", "delete", "typed")
	tm.expect(`Type the group name "typed" to confirm:`)
	tm.send("typo\r")
	if code := tm.wait(); code != 8 {
		t.Fatalf("delete with the wrong name: exit %d, want 8\n%s", code, tm.transcript())
	}
	if !e.groupExists(t, "typed") {
		t.Fatal("the group was deleted after a wrong typed name")
	}

	tm = u.startTerm("group", "delete", "typed")
	tm.expect(`Type the group name "typed" to confirm:`)
	tm.send("typed\r")
	if code := tm.wait(); code != 0 {
		t.Fatalf("delete with the right name: exit %d\n%s", code, tm.transcript())
	}
	if e.groupExists(t, "typed") {
		t.Fatal("the group survived a confirmed delete")
	}
}

// waitPlugin polls (bounded) until the host has started its plugin and
// returns the plugin's pid.
func waitPlugin(t *testing.T, hostPid int) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		for _, pid := range children(t, hostPid) {
			if cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil && strings.Contains(string(cmdline), "tfy-secrets-plugin") {
				return pid
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("host %d never started its plugin", hostPid)
		}
		<-tick.C
	}
}

// waitFaultsUsed polls (bounded) until the emulator has no fault rule left,
// that is until requests have used up every rule posted with a count.
func waitFaultsUsed(t *testing.T, e *emulator) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := http.Get(e.url + "/_emulator/faults")
		if err != nil {
			t.Fatal(err)
		}
		var list struct {
			Faults []json.RawMessage `json:"faults"`
		}
		err = json.NewDecoder(resp.Body).Decode(&list)
		_ = resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Faults) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the emulator still holds %d fault rule(s)", len(list.Faults))
		}
		<-tick.C
	}
}

// TestCtrlCWhileThePluginWaits: Ctrl-C while the plugin is stuck in a slow
// API call ends the command at once with exit 130 and stops the plugin.
func TestCtrlCWhileThePluginWaits(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	e.control(t, http.MethodPost, "/_emulator/faults", map[string]any{"method": "GET", "pathPrefix": "/api/svc/v1/secret-groups", "delay": "5m", "count": 1})
	tm := u.startTerm("group", "list")
	// The plugin starts with the host, before the host handles Ctrl-C; the
	// fault is used up once the plugin's request is being held.
	waitFaultsUsed(t, e)
	pid := waitPlugin(t, tm.cmd.Process.Pid)
	tm.send("\x03")
	if code := tm.wait(); code != 130 {
		t.Fatalf("exit %d, want 130\n%s", code, tm.transcript())
	}
	if !strings.Contains(tm.transcript(), "error: ") {
		t.Fatalf("no error line:\n%s", tm.transcript())
	}
	testkit.WaitGone(t, pid)
}

// TestInterrupts: Ctrl-C at a prompt and SIGTERM both end the command with
// a clear message and the shell's exit code (130, 143), stop the plugin,
// and write nothing.
func TestInterrupts(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	u.env["V"] = testkit.Canary("v-")
	u.must("", "group", "create", "interrupted", "--provider", "azure", "--from-env", "KEY-A=V", "--yes")

	for _, tc := range []struct {
		name string
		stop func(tm *term)
		code int
	}{
		{"ctrl-c", func(tm *term) { tm.send("\x03") }, 130},
		{"sigterm", func(tm *term) { _ = tm.cmd.Process.Signal(syscall.SIGTERM) }, 143},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tm := u.startTerm("group", "update", "interrupted", "--from-env", "KEY-B=V")
			tm.expect("Proceed? [y/N]")
			pid, _ := pluginOf(t, tm.cmd.Process.Pid)
			tc.stop(tm)
			if code := tm.wait(); code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", code, tc.code, tm.transcript())
			}
			if !strings.Contains(tm.transcript(), "error: ") {
				t.Fatalf("no error line:\n%s", tm.transcript())
			}
			testkit.WaitGone(t, pid)
			if _, ok := e.stored(t, "interrupted")["KEY-B"]; ok {
				t.Fatal("an interrupted update was applied")
			}
		})
	}
}
