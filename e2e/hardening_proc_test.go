package e2e

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// watched collects a stream and wakes waiters whenever it grows.
type watched struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newWatched() *watched { return &watched{changed: make(chan struct{}, 1)} }

func (w *watched) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.buf.Write(p)
	w.mu.Unlock()
	select {
	case w.changed <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (w *watched) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// running is the host started in the background, no terminal.
type running struct {
	t              *testing.T
	cmd            *exec.Cmd
	stdout, stderr *watched
	done           chan struct{}
	err            error
}

// start runs the host with args; stdin is what the command reads (nil: an
// empty input).
func (u *user) start(stdin io.Reader, args ...string) *running {
	u.t.Helper()
	cmd := exec.Command(bin.host, args...)
	cmd.Env = u.environ()
	cmd.Dir = u.home
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	cmd.Stdin = stdin
	r := &running{t: u.t, cmd: cmd, stdout: newWatched(), stderr: newWatched(), done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = r.stdout, r.stderr
	if err := cmd.Start(); err != nil {
		u.t.Fatal(err)
	}
	go func() {
		r.err = cmd.Wait()
		close(r.done)
	}()
	u.t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-r.done
	})
	return r
}

// expectStderr waits (bounded) until s appears on the host's stderr.
func (r *running) expectStderr(s string) {
	r.t.Helper()
	deadline := time.After(60 * time.Second)
	for !strings.Contains(r.stderr.String(), s) {
		select {
		case <-r.stderr.changed:
		case <-r.done:
			if !strings.Contains(r.stderr.String(), s) {
				r.t.Fatalf("host ended without printing %q\n%s", s, r)
			}
		case <-deadline:
			r.t.Fatalf("timed out waiting for %q\n%s", s, r)
		}
	}
}

// wait returns the exit code, failing the test if the host is still
// running after bound (it hangs).
func (r *running) wait(bound time.Duration) int {
	r.t.Helper()
	select {
	case <-r.done:
	case <-time.After(bound):
		r.t.Fatalf("the host still runs after %s\n%s", bound, r)
	}
	if ee, ok := errors.AsType[*exec.ExitError](r.err); ok {
		return ee.ExitCode()
	}
	if r.err != nil {
		r.t.Fatal(r.err)
	}
	return 0
}

func (r *running) String() string {
	return "stdout:\n" + r.stdout.String() + "\nstderr:\n" + r.stderr.String()
}

// A FIFO that nobody writes, given as a PATH, is refused at once instead
// of holding the command (and ignoring SIGTERM) for ever; a process
// substitution is one such pipe, and the hint says how to pass it.
func TestSourceFIFOIsRefused(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	u.env["V"] = token("v-")
	u.must("", "group", "create", "fifo", "--provider", "azure", "--from-env", "KEY-A=V", "--yes")
	path := filepath.Join(u.home, "value.fifo")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"group", "update", "fifo", "--from-file", "KEY-B=" + path, "--yes"},
		{"group", "update", "fifo", "--from-dotenv", path, "--yes"},
	} {
		r := u.start(nil, args...)
		code := r.wait(30 * time.Second)
		if code != 2 || !strings.Contains(r.stderr.String(), "not a regular file") || !strings.Contains(r.stderr.String(), "- < <(command)") {
			t.Fatalf("%v: exit %d, want 2 with the stdin hint\n%s", args, code, r)
		}
	}
	if got := e.stored(t, "fifo"); len(got) != 1 {
		t.Fatalf("the group changed: keys %v", keys(got))
	}
}

// Standard input that never ends: SIGTERM ends the command with 143 and
// its plugin (started early, beside the host) is gone; --timeout ends it
// with 9. Nothing is written.
func TestSourceStdinHonoursSIGTERMAndTimeout(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	u.env["V"] = token("v-")
	u.must("", "group", "create", "stdin", "--provider", "azure", "--from-env", "KEY-A=V", "--yes")

	// An *os.File, so that the host's stdin is this pipe itself and
	// nothing in the test waits on it.
	held, _ := pipe(t)
	r := u.start(held, "--debug", "group", "update", "stdin", "--from-file", "KEY-B=-", "--yes")
	// The debug line comes after the host's signal handling is in place.
	r.expectStderr("debug: host")
	plugin := waitPlugin(t, r.cmd.Process.Pid)
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := r.wait(30 * time.Second); code != 143 || !strings.Contains(r.stderr.String(), "error: terminated (SIGTERM)") {
		t.Fatalf("exit %d, want 143\n%s", code, r)
	}
	waitGone(t, plugin)

	held, _ = pipe(t)
	r = u.start(held, "group", "update", "stdin", "--from-file", "KEY-B=-", "--yes", "--timeout", "1s")
	if code := r.wait(30 * time.Second); code != 9 || !strings.Contains(r.stderr.String(), "within --timeout 1s") {
		t.Fatalf("exit %d, want 9\n%s", code, r)
	}
	if got := e.stored(t, "stdin"); len(got) != 1 {
		t.Fatalf("the group changed: keys %v", keys(got))
	}
}

// pipe returns both ends of an OS pipe, closed at cleanup.
func pipe(t *testing.T) (*os.File, *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = r.Close()
		_ = w.Close()
	})
	return r, w
}
