package launcher

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/host/launcher/spawn"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/secret"
	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// fake is a real plugin binary (plugin/plugintest/cmd/tfy-fake-plugin)
// with its sum file beside it, built on first use: fuzzing workers re-run
// TestMain and must not each build it.
var fake struct {
	once      sync.Once
	dir, path string
	err       error
}

// fakePlugin returns the fake plugin's path, building it once.
func fakePlugin(tb testing.TB) string {
	tb.Helper()
	fake.once.Do(func() {
		fake.dir, fake.err = os.MkdirTemp("", "launcher-test-")
		if fake.err != nil {
			return
		}
		fake.path = filepath.Join(fake.dir, spawn.PluginBinary)
		build := exec.Command("go", "build", "-o", fake.path, "github.com/tfy-secrets/tfy-secrets/plugin/plugintest/cmd/tfy-fake-plugin")
		if out, err := build.CombinedOutput(); err != nil {
			fake.err = fmt.Errorf("build fake plugin: %w\n%s", err, out)
			return
		}
		fake.err = writeSum(fake.path)
	})
	if fake.err != nil {
		tb.Fatal(fake.err)
	}
	return fake.path
}

// envHelperHost makes the test binary act as a host (see runHelperHost).
const envHelperHost = "TFY_LAUNCHER_TEST_HOST"

func TestMain(m *testing.M) {
	if os.Getenv(envHelperHost) == "1" {
		os.Exit(runHelperHost())
	}
	// Verification records go to a cache of the test's own, not the
	// user's. Go's build cache stays where it is: the fake plugin is built
	// with it.
	gocache, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil {
		panic(err)
	}
	cache, err := os.MkdirTemp("", "launcher-cache-")
	if err != nil {
		panic(err)
	}
	for k, v := range map[string]string{"GOCACHE": strings.TrimSpace(string(gocache)), "XDG_CACHE_HOME": cache} {
		if err := os.Setenv(k, v); err != nil {
			panic(err)
		}
	}
	code := m.Run()
	if fake.dir != "" {
		_ = os.RemoveAll(fake.dir)
	}
	_ = os.RemoveAll(cache)
	os.Exit(code)
}

func writeSum(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	return os.WriteFile(path+spawn.SumSuffix, []byte(hex.EncodeToString(sum[:])+"  "+filepath.Base(path)+"\n"), 0o644)
}

// runHelperHost starts the plugin like the real host, prints the plugin's
// pid and then waits on stdin, so a test can SIGKILL it mid-session.
func runHelperHost() int {
	svc, stop, err := Start(context.Background(), Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer stop()
	st, err := svc.GetAuthStatus(context.Background(), plugin.Call{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("plugin-pid %s\n", st.Tenant)
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

func at(path string) locator {
	return locator{
		getenv: func(k string) string {
			if k == spawn.EnvPlugin {
				return path
			}
			return ""
		},
		executable: os.Executable,
		lookPath:   noPath,
	}
}

// syncBuffer collects what go-plugin's goroutines write.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// pluginPid asks the fake plugin for its pid.
func pluginPid(t *testing.T, svc plugin.Service) int {
	t.Helper()
	st, err := svc.GetAuthStatus(t.Context(), plugin.Call{})
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(st.Tenant)
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// socketDir reads the socket directory the launcher gave the plugin.
func socketDir(t *testing.T, pid int) string {
	t.Helper()
	environ, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		t.Fatal(err)
	}
	for kv := range strings.SplitSeq(string(environ), "\x00") {
		if v, ok := strings.CutPrefix(kv, "PLUGIN_UNIX_SOCKET_DIR="); ok {
			return v
		}
	}
	t.Fatal("no PLUGIN_UNIX_SOCKET_DIR in the plugin's environment")
	return ""
}

func TestStartCallStop(t *testing.T) {
	t.Parallel()
	svc, stop, err := start(t.Context(), Options{}, noEarly, at(fakePlugin(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	pid := pluginPid(t, svc)
	// Executed by descriptor, it still goes by its own name.
	if comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); err != nil || string(comm) != spawn.PluginBinary[:15]+"\n" {
		t.Fatalf("plugin's process name = %q, %v; want %q", comm, err, spawn.PluginBinary[:15])
	}

	dir := socketDir(t, pid)
	info, err := os.Stat(dir)
	if err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("socket dir %s: %v, mode %v; want 0700", dir, err, info.Mode())
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 || entries[0].Type()&os.ModeSocket == 0 {
		t.Fatalf("socket dir holds %v (%v); want the plugin's socket", entries, err)
	}

	var names []string
	if err := svc.ListGroups(t.Context(), plugin.ListGroupsRequest{}, func(g plugin.Group) error {
		names = append(names, g.Name)
		return nil
	}); err != nil || strings.Join(names, ",") != "g1,g2,g3" {
		t.Fatalf("ListGroups = %v, %v", names, err)
	}
	_, err = svc.GetSecret(t.Context(), plugin.SecretRequest{Secret: "app:KEY"})
	if f := failure.As(err); f.Kind != failure.NotFound || f.Kind.ExitCode() != 5 || f.Hint == "" {
		t.Fatalf("GetSecret = %v (kind %s)", err, f.Kind)
	}

	stop()
	stop() // twice is fine
	testkit.WaitGone(t, pid)
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("socket dir %s left behind: %v", dir, err)
	}
}

func TestRefusesPluginWithWrongOrMissingSum(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(fakePlugin(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tampered := filepath.Join(dir, spawn.PluginBinary)
	if err := os.WriteFile(tampered, append(data, 0), 0o755); err != nil {
		t.Fatal(err)
	}
	// The sum file still describes the original binary.
	sum, err := os.ReadFile(fakePlugin(t) + spawn.SumSuffix)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tampered+spawn.SumSuffix, sum, 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err = start(t.Context(), Options{}, noEarly, at(tampered))
	f := failure.As(err)
	if f.Kind != failure.Config || !strings.Contains(f.Message, "SHA-256 does not match") || !strings.Contains(f.Hint, "reinstall") {
		t.Fatalf("tampered plugin: %v (kind %s, hint %q)", err, f.Kind, f.Hint)
	}

	if err := os.Remove(tampered + spawn.SumSuffix); err != nil {
		t.Fatal(err)
	}
	_, _, err = start(t.Context(), Options{}, noEarly, at(tampered))
	if f := failure.As(err); f.Kind != failure.Config || !strings.Contains(f.Message, "missing") {
		t.Fatalf("plugin without sum: %v", err)
	}
}

func TestCrashMidCall(t *testing.T) {
	t.Parallel()
	svc, stop, err := start(t.Context(), Options{}, noEarly, at(fakePlugin(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	pid := pluginPid(t, svc)
	_, err = svc.GetGroup(t.Context(), plugin.GetGroupRequest{Group: "crash"})
	f := failure.As(err)
	if !errors.Is(err, plugin.ErrStopped) || f.Message != "the tfy-secrets plugin stopped unexpectedly" || !strings.Contains(f.Hint, "--debug") {
		t.Fatalf("crash gave %v (hint %q)", err, f.Hint)
	}
	testkit.WaitGone(t, pid)
	// Later calls fail the same clear way instead of hanging.
	if _, err := svc.GetAuthStatus(t.Context(), plugin.Call{}); !errors.Is(err, plugin.ErrStopped) {
		t.Fatalf("call after crash: %v", err)
	}
}

func TestDiagnosticsOnlyWithDebug(t *testing.T) {
	t.Parallel()
	const canary = "canary-launcher-9d1f0b7e"
	for _, debug := range []bool{false, true} {
		var stderr syncBuffer
		svc, stop, err := start(t.Context(), Options{Debug: debug, Stderr: &stderr}, noEarly, at(fakePlugin(t)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Login(t.Context(), plugin.LoginRequest{Key: secretValue(canary)}); err != nil {
			t.Fatal(err)
		}
		_, _ = svc.GetGroup(t.Context(), plugin.GetGroupRequest{}) // crashes: its output is diagnostics too
		stop()
		out := stderr.String()
		if strings.Contains(out, canary) {
			t.Fatalf("debug=%v: the key leaked into diagnostics", debug)
		}
		if !debug && out != "" {
			t.Fatalf("diagnostics without --debug: %q", out)
		}
		if debug && !strings.Contains(out, "tfy-secrets-plugin") {
			t.Fatalf("--debug shows no plugin diagnostics: %q", out)
		}
		if debug && !strings.Contains(out, "plugin verified") {
			t.Fatalf("--debug does not say how the plugin was verified: %q", out)
		}
	}
}

func TestCancelKillsPluginAndReturnsCause(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancelCause(t.Context())
	svc, stop, err := start(ctx, Options{}, noEarly, at(fakePlugin(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	pid := pluginPid(t, svc)
	type result struct{ err error }
	done := make(chan result, 1)
	go func() {
		_, err := svc.MakeRef(ctx, plugin.RefRequest{}) // blocks until cancelled
		done <- result{err}
	}()
	cancel(&Interrupted{Signal: syscall.SIGINT})
	r := <-done
	var interrupted *Interrupted
	if !errors.As(r.err, &interrupted) || interrupted.ExitCode() != 130 {
		t.Fatalf("call returned %v, want the *Interrupted cause", r.err)
	}
	testkit.WaitGone(t, pid)
}

func TestNoOrphanWhenHostIsKilled(t *testing.T) {
	t.Parallel()
	host := exec.Command(os.Args[0], "-test.run=^$")
	host.Env = append(os.Environ(), envHelperHost+"=1", spawn.EnvPlugin+"="+fakePlugin(t))
	stdin, err := host.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := host.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	host.Stderr = &stderr
	if err := host.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		_ = host.Process.Kill()
		_ = host.Wait()
		t.Fatalf("helper host: %v; stderr: %s", err, stderr.String())
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "plugin-pid ")))
	if err != nil {
		t.Fatalf("helper host said %q", line)
	}
	dir := socketDir(t, pid)
	if err := host.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = host.Wait()
	testkit.WaitGone(t, pid)
	// The plugin exits by itself, so the socket directory must go too.
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("socket dir %s left behind: %v", dir, err)
	}
}

func TestNotifyContext(t *testing.T) {
	t.Parallel()
	if got := (&Interrupted{Signal: syscall.SIGINT}).ExitCode(); got != 130 {
		t.Fatalf("SIGINT exit code %d", got)
	}
	ctx, stop := NotifyContext(t.Context())
	defer stop()
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-ctx.Done()
	var interrupted *Interrupted
	if !errors.As(context.Cause(ctx), &interrupted) || interrupted.ExitCode() != 143 || !strings.Contains(interrupted.Error(), "SIGTERM") {
		t.Fatalf("cause %v", context.Cause(ctx))
	}
}

func secretValue(s string) secret.Value { return secret.FromString(s) }

// BenchmarkStartCallStop measures what every command pays for the plugin:
// hashing the binary, starting it, the mTLS handshake, one call, shutdown.
func BenchmarkStartCallStop(b *testing.B) {
	path := fakePlugin(b) // built, and its verification record written, outside the loop
	p, err := spawn.Start(path)
	if err != nil {
		b.Fatal(err)
	}
	p.Discard()
	for b.Loop() {
		svc, stop, err := start(b.Context(), Options{}, noEarly, at(path))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := svc.GetAuthStatus(b.Context(), plugin.Call{}); err != nil {
			b.Fatal(err)
		}
		stop()
	}
}

func TestStartWithCancelledContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancelCause(t.Context())
	cancel(&Interrupted{Signal: syscall.SIGTERM})
	_, _, err := start(ctx, Options{}, noEarly, at(fakePlugin(t)))
	var interrupted *Interrupted
	if !errors.As(err, &interrupted) || interrupted.ExitCode() != 143 {
		t.Fatalf("start with a cancelled context: %v", err)
	}
}

// noEarly is start's early source when the host started no plugin early.
func noEarly() *spawn.Process { return nil }

// A plugin the host started early is the one the launcher connects to, if
// it is the plugin the launcher's search finds.
func TestStartAdoptsTheEarlyPlugin(t *testing.T) {
	t.Parallel()
	path := fakePlugin(t)
	p, err := spawn.Start(path)
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	svc, stop, err := start(t.Context(), Options{Debug: true, Stderr: &stderr}, func() *spawn.Process { return p }, at(path))
	if err != nil {
		t.Fatal(err)
	}
	pid := pluginPid(t, svc)
	if pid != p.Pid() {
		t.Fatalf("connected to pid %d, the early plugin is %d", pid, p.Pid())
	}
	dir := socketDir(t, pid)
	stop()
	testkit.WaitGone(t, pid)
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("socket dir %s left behind: %v", dir, err)
	}
	if out := stderr.String(); !strings.Contains(out, `started="with the host"`) {
		t.Fatalf("--debug does not say the plugin started with the host: %q", out)
	}
}

// An early plugin that is not the one the search finds (another file,
// another expected sum) is discarded, and the right one started.
func TestStartReplacesAWrongEarlyPlugin(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(fakePlugin(t))
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), spawn.PluginBinary)
	if err := os.WriteFile(other, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := writeSum(other); err != nil {
		t.Fatal(err)
	}
	wrong, err := spawn.Start(other)
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	svc, stop, err := start(t.Context(), Options{Debug: true, Stderr: &stderr}, func() *spawn.Process { return wrong }, at(fakePlugin(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if pid := pluginPid(t, svc); pid == wrong.Pid() {
		t.Fatal("connected to an early plugin the search does not find")
	}
	testkit.WaitGone(t, wrong.Pid())
	if _, err := os.Stat(wrong.SockDir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the wrong plugin's socket dir %s left behind: %v", wrong.SockDir, err)
	}
	if out := stderr.String(); !strings.Contains(out, `started="on demand"`) {
		t.Fatalf("--debug does not say the plugin started on demand: %q", out)
	}
}

// When the search fails, an early plugin is not left running.
func TestStartDiscardsTheEarlyPluginWhenTheSearchFails(t *testing.T) {
	t.Parallel()
	p, err := spawn.Start(fakePlugin(t))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = start(t.Context(), Options{}, func() *spawn.Process { return p }, at(filepath.Join(t.TempDir(), "missing")))
	if failure.KindOf(err) != failure.Config {
		t.Fatalf("start with no plugin to find: %v", err)
	}
	testkit.WaitGone(t, p.Pid())
}
