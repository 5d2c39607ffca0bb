package e2e

import (
	"bytes"
	"errors"
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

	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
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
	u.env["V"] = testkit.Canary("v-")
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
	u.env["V"] = testkit.Canary("v-")
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
	testkit.WaitGone(t, plugin)

	held, _ = pipe(t)
	r = u.start(held, "group", "update", "stdin", "--from-file", "KEY-B=-", "--yes", "--timeout", "1s")
	if code := r.wait(30 * time.Second); code != 9 || !strings.Contains(r.stderr.String(), "within --timeout 1s") {
		t.Fatalf("exit %d, want 9\n%s", code, r)
	}
	if got := e.stored(t, "stdin"); len(got) != 1 {
		t.Fatalf("the group changed: keys %v", keys(got))
	}
}

// leftovers lists what the commands left in a temp directory. The user's
// own directory of socket directories (tfy-secrets-<uid>) stays by design
// and counts only for what is in it.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && e.Name() == "tfy-secrets-"+strconv.Itoa(os.Getuid()) {
			inside, err := os.ReadDir(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			for _, i := range inside {
				out = append(out, filepath.Join(e.Name(), i.Name()))
			}
			continue
		}
		out = append(out, e.Name())
	}
	return out
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

// holdWrites makes the emulator hold the next PUT of a secret group (an
// update's write) for minutes; waitFaultsUsed then says it is held.
func holdWrites(t *testing.T, e *emulator) {
	t.Helper()
	e.control(t, http.MethodPost, "/_emulator/faults", map[string]any{"method": "PUT", "pathPrefix": "/api/svc/v1/secret-groups", "delay": "5m", "count": 1})
}

// theErrorLine returns the one "error:" line of stderr.
func theErrorLine(t *testing.T, stderr string) string {
	t.Helper()
	var lines []string
	for line := range strings.SplitSeq(stderr, "\n") {
		if strings.HasPrefix(line, "error: ") {
			lines = append(lines, line)
		}
	}
	if len(lines) != 1 {
		t.Fatalf("want one error line\n%s", stderr)
	}
	return lines[0]
}

// Every way a write can end after it was sent says it may have been
// applied, with the exit code of what ended it, and what it reports of the
// group is what the emulator holds.
func TestWriteEndings(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		// fault arms the emulator; end ends the command once the write is
		// held (nil: nothing to do).
		fault   func(t *testing.T, e *emulator)
		end     func(t *testing.T, hostPid, plugin int)
		args    []string
		code    int
		applied bool
		want    []string // in the error line, in order
	}{
		{
			name:  "sigterm",
			fault: holdWrites,
			end:   func(t *testing.T, host, _ int) { signal(t, host, syscall.SIGTERM) },
			code:  143,
			want:  []string{"error: terminated (SIGTERM) while the change was being applied: ", "was sent but got no answer; it may have been applied: its keys are unchanged (keys now: KEY-A)"},
		},
		{
			name:  "sigint",
			fault: holdWrites,
			end:   func(t *testing.T, host, _ int) { signal(t, host, syscall.SIGINT) },
			code:  130,
			want:  []string{"error: interrupted (Ctrl-C) while the change was being applied: ", "it may have been applied: its keys are unchanged (keys now: KEY-A)"},
		},
		{
			name:  "plugin killed",
			fault: holdWrites,
			end:   func(t *testing.T, _, plugin int) { signal(t, plugin, syscall.SIGKILL) },
			code:  1,
			want:  []string{"error: the tfy-secrets plugin stopped unexpectedly; ", `the update of secret group "endings" may have been applied: the group's keys are unchanged (keys now: KEY-A)`},
		},
		{
			name:  "timeout",
			fault: holdWrites,
			args:  []string{"--timeout", "2s"},
			code:  9,
			want:  []string{"error: apply: group.update of secret group \"endings\" was sent but got no answer; it may have been applied: its keys are unchanged (keys now: KEY-A)"},
		},
		{
			name: "answer dropped",
			fault: func(t *testing.T, e *emulator) {
				e.control(t, http.MethodPost, "/_emulator/faults", map[string]any{"method": "PUT", "pathPrefix": "/api/svc/v1/secret-groups", "drop": "after", "count": 1})
			},
			code:    9,
			applied: true,
			want:    []string{"it may have been applied: the group now has exactly the planned keys (keys now: KEY-A, KEY-B), so it most likely applied"},
		},
		{
			name:  "plugin stopped",
			fault: holdWrites,
			end:   func(t *testing.T, _, plugin int) { signal(t, plugin, syscall.SIGSTOP) },
			args:  []string{"--timeout", "2s"},
			code:  9,
			want:  []string{"error: --timeout 2s passed while the change was being applied, and the tfy-secrets plugin gave no answer within 8s more; it was stopped; ", `may have been applied: the group's keys are unchanged (keys now: KEY-A)`},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := startEmulator(t)
			u := newUser(t, e)
			a, b := testkit.Canary("a-"), testkit.Canary("b-")
			u.env["A"], u.env["B"] = a, b
			u.must("", "group", "create", "endings", "--provider", "azure", "--from-env", "KEY-A=A", "--yes")
			tc.fault(t, e)
			r := u.start(nil, append([]string{"group", "update", "endings", "--from-env", "KEY-B=B", "--yes"}, tc.args...)...)
			plugin := waitPlugin(t, r.cmd.Process.Pid)
			if tc.end != nil {
				waitFaultsUsed(t, e)
				tc.end(t, r.cmd.Process.Pid, plugin)
			}
			code := r.wait(90 * time.Second)
			line := theErrorLine(t, r.stderr.String())
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", code, tc.code, r)
			}
			rest := line
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("the error line lacks %q (in order)\n%s", w, r)
				}
				rest = rest[i+len(w):]
			}
			if !strings.Contains(r.stderr.String(), "hint: check with: tfy-secrets group get endings") {
				t.Fatalf("no hint to check the group\n%s", r)
			}
			testkit.WaitGone(t, plugin)
			got := e.stored(t, "endings")
			if got["KEY-A"] != a {
				t.Fatalf("KEY-A lost or changed: keys %v", keys(got))
			}
			if v, ok := got["KEY-B"]; ok != tc.applied || (ok && v != b) {
				t.Fatalf("KEY-B stored: %v, want %v (the report must match)", ok, tc.applied)
			}
			if strings.Contains(r.stdout.String()+r.stderr.String(), a) || strings.Contains(r.stdout.String()+r.stderr.String(), b) {
				t.Fatal("a value was printed")
			}
		})
	}
}

// A plugin stopped during a read (kill -STOP during group get --timeout)
// no longer holds the host: it is killed at the host's bound, exit 9.
func TestStoppedPluginDuringARead(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	u.env["A"] = testkit.Canary("a-")
	u.must("", "group", "create", "stopped", "--provider", "azure", "--from-env", "KEY-A=A", "--yes")
	e.control(t, http.MethodPost, "/_emulator/faults", map[string]any{"method": "GET", "pathPrefix": "/api/svc/v1/secret-groups", "delay": "5m", "count": 1})
	r := u.start(nil, "group", "get", "stopped", "--timeout", "2s")
	plugin := waitPlugin(t, r.cmd.Process.Pid)
	waitFaultsUsed(t, e)
	signal(t, plugin, syscall.SIGSTOP)
	if code := r.wait(60 * time.Second); code != 9 {
		t.Fatalf("exit %d, want 9\n%s", code, r)
	}
	if line := theErrorLine(t, r.stderr.String()); line != "error: get group: the tfy-secrets plugin did not answer within --timeout 2s and 2s of grace; it was stopped" {
		t.Fatalf("error line %q\n%s", line, r)
	}
	testkit.WaitGone(t, plugin)
}

func signal(t *testing.T, pid int, sig syscall.Signal) {
	t.Helper()
	if err := syscall.Kill(pid, sig); err != nil {
		t.Fatal(err)
	}
}

// A host and plugin both killed outright (nothing of theirs can tidy up)
// leave their socket directory behind; the next command removes it.
func TestSocketDirectoryOfAKilledHostIsSwept(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	// A short TMPDIR: in t.TempDir(), named after this long test, the
	// socket path could pass the 108 bytes an address holds, and the
	// launcher would rightly put the directory elsewhere.
	short, err := os.MkdirTemp("", "sw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(short) })
	u.env["TMPDIR"] = short
	// The runtime directory would come first (make test runs under a
	// session bus that sets one).
	delete(u.env, "XDG_RUNTIME_DIR")
	e.control(t, http.MethodPost, "/_emulator/faults", map[string]any{"method": "GET", "pathPrefix": "/api/svc/v1/secret-groups", "delay": "5m", "count": 1})
	r := u.start(nil, "group", "list")
	plugin := waitPlugin(t, r.cmd.Process.Pid)
	waitFaultsUsed(t, e)
	signal(t, plugin, syscall.SIGKILL)
	signal(t, r.cmd.Process.Pid, syscall.SIGKILL)
	<-r.done
	testkit.WaitGone(t, plugin)
	if left := leftovers(t, u.env["TMPDIR"]); len(left) != 1 {
		t.Fatalf("after the kill TMPDIR holds %v; want the one socket directory", left)
	}
	u.must("", "group", "list")
	if left := leftovers(t, u.env["TMPDIR"]); len(left) != 0 {
		t.Fatalf("the next command left %v", left)
	}
}

// Ctrl-C on a terminal reaches the plugin too (the terminal signals the
// whole foreground group); the plugin ignores it and still reports the
// write it was told to cut short.
func TestCtrlCOnATerminalDuringAWrite(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	u.env["A"], u.env["B"] = testkit.Canary("a-"), testkit.Canary("b-")
	u.must("", "group", "create", "terminal", "--provider", "azure", "--from-env", "KEY-A=A", "--yes")
	holdWrites(t, e)
	tm := u.startTerm("group", "update", "terminal", "--from-env", "KEY-B=B", "--yes")
	waitFaultsUsed(t, e)
	plugin := waitPlugin(t, tm.cmd.Process.Pid)
	tm.send("\x03")
	tm.expect("waiting up to 8s for the plugin to tell whether it was")
	tm.expect("error: interrupted (Ctrl-C) while the change was being applied: ")
	tm.expect("it may have been applied: its keys are unchanged (keys now: KEY-A)")
	if code := tm.wait(); code != 130 {
		t.Fatalf("exit %d, want 130\n%s", code, tm.transcript())
	}
	testkit.WaitGone(t, plugin)
	if _, ok := e.stored(t, "terminal")["KEY-B"]; ok {
		t.Fatal("the report says unchanged, but KEY-B is stored")
	}
}
