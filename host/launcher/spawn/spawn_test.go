//go:build linux

package spawn

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/plugin/handshake"
)

// envCanary is set in the test's environment; the plugin must not see it.
const envCanary = "SPAWN_TEST_CANARY"

func TestMain(m *testing.M) {
	// Started by Start (the handshake's cookie is set), this test binary
	// plays the plugin: it reports what it was given and exits.
	if os.Getenv(handshake.CookieKey) == handshake.CookieValue {
		os.Exit(playPlugin())
	}
	if path := os.Getenv(envPlayHost); path != "" {
		os.Exit(playHost(path))
	}
	// Verification records go to a cache of the test's own.
	cache, err := os.MkdirTemp("", "spawn-cache-")
	if err != nil {
		panic(err)
	}
	if err := os.Setenv("XDG_CACHE_HOME", cache); err != nil {
		panic(err)
	}
	code := m.Run()
	_ = os.RemoveAll(cache)
	os.Exit(code)
}

// playPlugin reads the TLS material like the real plugin, then prints one
// line per fact for the test to check.
func playPlugin() int {
	material, err := io.ReadAll(os.NewFile(handshake.TLSFD, "tls-material"))
	if err != nil {
		fmt.Println("tls-error", err)
		return 1
	}
	var names []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		names = append(names, name)
	}
	slices.Sort(names)
	fmt.Println("tls", string(material))
	fmt.Println("env", strings.Join(names, ","))
	for _, name := range []string{handshake.EnvUnixSocketDir, handshake.EnvParentPID, handshake.EnvProtocolVersions, envMaxProcs} {
		fmt.Println(name, os.Getenv(name))
	}
	fmt.Println("argv0", os.Args[0])
	return 0
}

// testBinary returns this test binary's path: an executable to verify and
// start.
func testBinary(tb testing.TB) string {
	tb.Helper()
	exe, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	return exe
}

// installPlugin copies this test binary, as the plugin, with its sum file
// beside it, and returns the copy's path.
func installPlugin(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(testBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	path := join(t.TempDir(), PluginBinary)
	if err := os.WriteFile(path, data, 0o755); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if err := os.WriteFile(path+SumSuffix, []byte(hex.EncodeToString(sum[:])+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// report reads what playPlugin printed, by first word.
func report(t *testing.T, p *Process) map[string]string {
	t.Helper()
	facts := map[string]string{}
	sc := bufio.NewScanner(p.Stdout)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), " ")
		facts[k] = v
	}
	if err := p.Wait(); err != nil {
		t.Fatalf("plugin exited with %v; said %v", err, facts)
	}
	return facts
}

func TestStartGivesThePluginItsHandshakeAndNothingElse(t *testing.T) {
	t.Setenv(envCanary, "must-not-reach-the-plugin")
	t.Setenv(envMaxProcs, "") // restored after the test
	if err := os.Unsetenv(envMaxProcs); err != nil {
		t.Fatal(err)
	}
	path := installPlugin(t)
	p, err := Start(path)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Discard()
	if p.Path != path || p.Verified != verifiedByHash {
		t.Fatalf("Process = %q verified %q", p.Path, p.Verified)
	}
	if info, err := os.Stat(p.SockDir); err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("socket dir %s: %v; want mode 0700", p.SockDir, err)
	}
	if err := p.SendTLS([]byte("material")); err != nil {
		t.Fatal(err)
	}
	facts := report(t, p)
	want := map[string]string{
		"tls":                         "material",
		handshake.EnvUnixSocketDir:    p.SockDir,
		handshake.EnvParentPID:        strconv.Itoa(os.Getpid()),
		handshake.EnvProtocolVersions: strconv.Itoa(handshake.ProtocolVersion),
		"argv0":                       path,
		envMaxProcs:                   "1",
	}
	for k, v := range want {
		if facts[k] != v {
			t.Errorf("plugin got %s = %q, want %q", k, facts[k], v)
		}
	}
	if strings.Contains(facts["env"], envCanary) {
		t.Errorf("the plugin's environment has %s: %s", envCanary, facts["env"])
	}
	// The link that executed the verified descriptor is gone.
	if entries, err := os.ReadDir(p.SockDir); err != nil || len(entries) != 0 {
		t.Fatalf("socket dir holds %v, %v; want nothing yet", entries, err)
	}
}

// The plugin runs on one processor unless the user chose otherwise.
func TestStartKeepsTheUsersGOMAXPROCS(t *testing.T) {
	t.Setenv(envMaxProcs, "3")
	p, err := Start(installPlugin(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Discard()
	if err := p.SendTLS(nil); err != nil {
		t.Fatal(err)
	}
	if got := report(t, p)[envMaxProcs]; got != "3" {
		t.Fatalf("the plugin got GOMAXPROCS=%q, want the user's 3", got)
	}
}

// A plugin whose host goes away before sending the material reads the end
// of the pipe; a discarded one is killed, reaped and its directory removed.
func TestPluginWithoutMaterialAndDiscard(t *testing.T) {
	path := installPlugin(t)
	p, err := Start(path)
	if err != nil {
		t.Fatal(err)
	}
	_ = p.tls.Close() // what the host's exit does
	if facts := report(t, p); facts["tls"] != "" || facts["tls-error"] != "" {
		t.Fatalf("plugin read %v from a closed pipe", facts)
	}
	p.Discard()
	p.Discard() // twice is fine
	if _, err := os.Stat(p.SockDir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("socket dir %s left behind: %v", p.SockDir, err)
	}

	p, err = Start(path)
	if err != nil {
		t.Fatal(err)
	}
	pid := p.Pid()
	p.Discard()
	if err := p.Wait(); err == nil {
		t.Fatal("a discarded plugin that was waiting for its material exited cleanly; want killed")
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("discarded plugin %d was not reaped: %v", pid, err)
	}
}

func TestStartReportsVerificationFailures(t *testing.T) {
	path := installPlugin(t)
	if err := os.WriteFile(path+SumSuffix, []byte(strings.Repeat("0", 64)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Start(path); err == nil || !strings.Contains(err.Error(), "verify plugin") || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("Start with a wrong sum: %v", err)
	}
	if _, err := Start(join(t.TempDir(), PluginBinary)); err == nil || !strings.Contains(err.Error(), "no checksum") {
		t.Fatalf("Start of a missing plugin: %v", err)
	}
}

// Runs holds an early plugin to what the launcher's search found: the same
// file with the same expected sum.
func TestRuns(t *testing.T) {
	path := installPlugin(t)
	p, err := Start(path)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Discard()
	if !p.Runs(path) {
		t.Fatal("Runs(its own path) = false")
	}
	if p.Runs(installPlugin(t)) {
		t.Fatal("Runs(a copy elsewhere) = true")
	}
	link := join(t.TempDir(), "link")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(link+SumSuffix, []byte(strings.Repeat("1", 64)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if p.Runs(link) {
		t.Fatal("Runs(the same file expected to have another sum) = true")
	}
}

// resetEarly forgets Prestart's state after a test.
func resetEarly(t *testing.T) {
	t.Cleanup(DiscardPrestarted)
}

func TestEarlyIsTakenOnce(t *testing.T) {
	resetEarly(t)
	if TakePrestarted() != nil {
		t.Fatal("TakePrestarted without Prestart returned a plugin")
	}
	path := installPlugin(t)
	t.Setenv(EnvPlugin, path)
	Prestart()
	p := TakePrestarted()
	if p == nil || p.Path != path {
		t.Fatalf("TakePrestarted = %+v; want the plugin at %s", p, path)
	}
	defer p.Discard()
	if again := TakePrestarted(); again != nil {
		t.Fatal("the early plugin was handed out twice")
	}
	DiscardPrestarted() // taken: nothing to discard, and p still runs
	if err := p.proc.Signal(syscall.Signal(0)); err != nil {
		t.Fatalf("DiscardPrestarted ended a plugin someone had taken: %v", err)
	}
}

func TestEarlyNotTakenIsDiscarded(t *testing.T) {
	resetEarly(t)
	path := installPlugin(t)
	t.Setenv(EnvPlugin, path)
	Prestart()
	early.mu.Lock()
	p := early.p
	early.mu.Unlock()
	if p == nil {
		t.Fatal("Prestart started nothing")
	}
	DiscardPrestarted()
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", p.Pid())); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the unused early plugin %d survived: %v", p.Pid(), err)
	}
	if _, err := os.Stat(p.SockDir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("socket dir %s left behind: %v", p.SockDir, err)
	}
}

func TestEarlyFailureIsLeftToTheLauncher(t *testing.T) {
	resetEarly(t)
	t.Setenv(EnvPlugin, join(t.TempDir(), "missing"))
	Prestart()
	if p := TakePrestarted(); p != nil {
		t.Fatalf("a failed early start handed out %+v", p)
	}
}

func TestSocketBases(t *testing.T) {
	private, shared := t.TempDir(), t.TempDir()
	if err := os.Chmod(private, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o755); err != nil {
		t.Fatal(err)
	}
	fallback := os.TempDir()
	if sharedMemoryDir(shmDir) {
		fallback = shmDir
	}
	cases := []struct{ runtime, tmp, want string }{
		{private, "/custom/tmp", private},
		{shared, "/custom/tmp", "/custom/tmp"}, // a runtime dir others can enter is not one
		{join(private, "missing"), "", fallback},
		{"", "/custom/tmp", "/custom/tmp"},
		{"", "", fallback},
	}
	for _, c := range cases {
		t.Setenv("XDG_RUNTIME_DIR", c.runtime)
		t.Setenv("TMPDIR", c.tmp)
		bases := socketBases()
		if bases[0] != c.want || bases[len(bases)-1] != "/tmp" {
			t.Errorf("XDG_RUNTIME_DIR=%q TMPDIR=%q: socketBases() = %q, want %q first and /tmp last", c.runtime, c.tmp, bases, c.want)
		}
	}
	if sharedMemoryDir(private) {
		t.Errorf("sharedMemoryDir(%s) = true for a 0700 directory", private)
	}
}

// A $TMPDIR so deep that the plugin's socket path would not fit a socket
// address is passed over for the next base, and leaves nothing behind.
func TestDeepTMPDIRIsPassedOver(t *testing.T) {
	deep := join(t.TempDir(), strings.Repeat("d", maxSocketPath))
	if err := os.Mkdir(deep, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_RUNTIME_DIR", "")
	t.Setenv("TMPDIR", deep)
	dir, release, err := makeSockDir()
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if strings.HasPrefix(dir, deep) || len(dir)+len(socketName) > maxSocketPath {
		t.Fatalf("socket dir %s (%d bytes)", dir, len(dir))
	}
	// What may stay is the empty per-user parent, as after any command.
	entries, err := os.ReadDir(deep)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		inside, _ := os.ReadDir(join(deep, e.Name()))
		if e.Name() != userDirName(deep) || len(inside) > 0 {
			t.Fatalf("left in the deep TMPDIR: %s (%d entries)", e.Name(), len(inside))
		}
	}
}

// The plugin's socket lands in the runtime directory when there is one.
func TestStartPutsTheSocketDirInTheRuntimeDir(t *testing.T) {
	runtime := t.TempDir()
	if err := os.Chmod(runtime, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_RUNTIME_DIR", runtime)
	p, err := Start(installPlugin(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Discard()
	if !strings.HasPrefix(p.SockDir, runtime+string(os.PathSeparator)) {
		t.Fatalf("socket dir %s is not in $XDG_RUNTIME_DIR %s", p.SockDir, runtime)
	}
}
