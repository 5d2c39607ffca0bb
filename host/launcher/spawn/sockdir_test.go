//go:build linux

package spawn

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// envPlayHost makes this test binary a host that starts the plugin at the
// path it names, prints the plugin's socket directory and its pid, and
// waits on stdin to be killed.
const envPlayHost = "SPAWN_TEST_HOST"

func playHost(path string) int {
	p, err := Start(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer p.Discard()
	fmt.Println(p.SockDir, p.Pid())
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// privateRuntime points $XDG_RUNTIME_DIR at a fresh 0700 directory and
// returns it.
func privateRuntime(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_RUNTIME_DIR", dir)
	return dir
}

// deadPid returns the pid of a process that has exited and been reaped.
func deadPid(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func mkdir(t *testing.T, elem ...string) string {
	t.Helper()
	dir := join(elem...)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(join(dir, "plugin123"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// A host killed before its plugin could tidy up leaves the socket
// directory behind (the plugin, never handed its TLS material, exits
// without touching it); the next start removes it.
func TestStartRemovesTheDirectoryOfAKilledHost(t *testing.T) {
	privateRuntime(t)
	path := installPlugin(t)
	host := exec.Command(testBinary(t), "-test.run=^$")
	host.Env = append(os.Environ(), envPlayHost+"="+path)
	stdin, err := host.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	out, err := host.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := host.Start(); err != nil {
		t.Fatal(err)
	}
	var dir string
	var plugin int
	if _, err := fmt.Fscan(out, &dir, &plugin); err != nil {
		_ = host.Process.Kill()
		_ = host.Wait()
		t.Fatalf("helper host: %v", err)
	}
	if err := host.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = host.Wait()
	// The plugin reads the end of its TLS pipe and exits; wait for it, so
	// that what is left is what an abnormal exit leaves.
	waitExited(t, plugin)
	if !exists(dir) {
		t.Fatalf("the killed host's socket directory %s is already gone; the test shows nothing", dir)
	}

	p, err := Start(path)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Discard()
	if exists(dir) {
		t.Fatalf("the killed host's socket directory %s was left behind", dir)
	}
	if !exists(p.SockDir) {
		t.Fatalf("the new socket directory %s was swept", p.SockDir)
	}
}

// waitExited waits (bounded) until pid is gone or a zombie: the plugin's
// parent was killed, so init reaps it whenever it gets to it.
func waitExited(t *testing.T, pid int) {
	t.Helper()
	for range 1500 {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return
		}
		if i := strings.LastIndexByte(string(stat), ')'); i > 0 && len(stat) > i+2 && stat[i+2] == 'Z' {
			return
		}
		var ts syscall.Timespec
		ts.Nsec = 10_000_000
		_ = syscall.Nanosleep(&ts, nil)
	}
	t.Fatalf("plugin %d still runs", pid)
}

// Only directories of ended commands go: not one whose host runs, not one
// whose lock is held, not one that is not a socket directory, and not one
// that belongs to someone else.
func TestSweepKeepsWhatIsInUseOrNotOurs(t *testing.T) {
	runtime := privateRuntime(t)
	parent := join(runtime, "tfy-secrets")
	dead := strconv.Itoa(deadPid(t))
	stale := mkdir(t, parent, dead+"-1234")
	live := mkdir(t, parent, "1-1234") // pid 1 always runs
	other := mkdir(t, parent, "notes")
	locked := mkdir(t, parent, dead+"-5678")
	holder, err := os.Open(locked)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if err := syscall.Flock(int(holder.Fd()), syscall.LOCK_SH); err != nil {
		t.Fatal(err)
	}
	link := join(parent, dead+"-link")
	if err := os.Symlink(other, link); err != nil {
		t.Fatal(err)
	}
	var theirs string
	if os.Getuid() == 0 {
		theirs = mkdir(t, parent, dead+"-theirs")
		if err := os.Chown(theirs, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}

	p, err := Start(installPlugin(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Discard()
	if exists(stale) {
		t.Errorf("stale directory %s was kept", stale)
	}
	for _, kept := range []string{live, other, locked, link, theirs} {
		if kept != "" && !exists(kept) {
			t.Errorf("%s was removed", kept)
		}
	}
	if !exists(join(other, "plugin123")) {
		t.Error("the sweep followed a symlink")
	}
	if !strings.HasPrefix(p.SockDir, parent+string(os.PathSeparator)+strconv.Itoa(os.Getpid())+"-") {
		t.Errorf("socket dir %s is not <pid>-... in %s", p.SockDir, parent)
	}
}

// Where the user's own directory cannot be had (a symlink, or someone
// else's), nothing in it is touched and the socket directory goes into
// the base as before.
func TestSweepNeverEntersADirectoryThatIsNotTheUsers(t *testing.T) {
	runtime := privateRuntime(t)
	elsewhere := t.TempDir()
	stale := mkdir(t, elsewhere, strconv.Itoa(deadPid(t))+"-1234")
	if err := os.Symlink(elsewhere, join(runtime, "tfy-secrets")); err != nil {
		t.Fatal(err)
	}
	p, err := Start(installPlugin(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Discard()
	if !exists(stale) {
		t.Fatalf("%s, behind a symlink, was removed", stale)
	}
	if !strings.HasPrefix(p.SockDir, join(runtime, "tfy-secrets-")) {
		t.Fatalf("socket dir %s; want it straight in %s", p.SockDir, runtime)
	}
	if info, err := os.Stat(p.SockDir); err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("socket dir %s: %v %v", p.SockDir, info, err)
	}
}

// Hosts starting at once, each sweeping while the others make their
// directories, never remove one another's.
func TestConcurrentStartsKeepEachOthersDirectories(t *testing.T) {
	privateRuntime(t)
	path := installPlugin(t)
	const n = 6
	type host struct {
		cmd   *exec.Cmd
		stdin io.WriteCloser
		out   io.Reader
	}
	hosts := make([]host, n)
	for i := range hosts {
		cmd := exec.Command(testBinary(t), "-test.run=^$")
		cmd.Env = append(os.Environ(), envPlayHost+"="+path)
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		hosts[i] = host{cmd, stdin, out}
	}
	for _, h := range hosts {
		if err := h.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = h.stdin.Close()
			_ = h.cmd.Wait()
		})
	}
	var dirs []string
	for _, h := range hosts {
		var dir string
		var plugin int
		if _, err := fmt.Fscan(h.out, &dir, &plugin); err != nil {
			t.Fatalf("helper host: %v", err)
		}
		dirs = append(dirs, dir)
	}
	for _, dir := range dirs {
		if !exists(dir) {
			t.Errorf("socket dir %s of a running host was removed", dir)
		}
	}
}

// BenchmarkSockDir is the part of every start that makes and removes the
// socket directory, sweep included, with a few other commands running.
func BenchmarkSockDir(b *testing.B) {
	dir := b.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	b.Setenv("XDG_RUNTIME_DIR", dir)
	for range 3 {
		_, release, err := makeSockDir()
		if err != nil {
			b.Fatal(err)
		}
		defer release()
	}
	for b.Loop() {
		_, release, err := makeSockDir()
		if err != nil {
			b.Fatal(err)
		}
		release()
	}
}

func TestStaleHost(t *testing.T) {
	for name, want := range map[string]int{"123-abc": 123, "1-": 1, "42-7-9": 42} {
		if pid, ok := staleHost(name); !ok || pid != want {
			t.Errorf("staleHost(%q) = %d, %v; want %d", name, pid, ok, want)
		}
	}
	for _, name := range []string{"", "-1", "abc", "123", "12a-", "0-x", "tfy-secrets-1", "99999999999999999999-x", " 1-x"} {
		if pid, ok := staleHost(name); ok {
			t.Errorf("staleHost(%q) = %d, true; want no pid", name, pid)
		}
	}
}

// FuzzStaleHost: a directory name yields a pid only when it is the
// decimal digits of a positive pid followed by '-'.
func FuzzStaleHost(f *testing.F) {
	for _, s := range []string{"123-abc", "0-", "-", "1", "007-x", "tfy-secrets-0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		pid, ok := staleHost(name)
		if !ok {
			return
		}
		digits, _, found := strings.Cut(name, "-")
		if !found || pid <= 0 || strings.Trim(digits, "0123456789") != "" {
			t.Fatalf("staleHost(%q) = %d", name, pid)
		}
		if n, err := strconv.Atoi(digits); err != nil || n != pid {
			t.Fatalf("staleHost(%q) = %d, digits say %d", name, pid, n)
		}
	})
}
