package credentials

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	dbus "github.com/godbus/dbus/v5"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/secret"
)

// keyringRequired is true where a missing keyring must fail the tests:
// under scripts/with-keyring.sh and in CI.
func keyringRequired() bool {
	return os.Getenv("TFY_SECRETS_REQUIRE_KEYRING") == "1" || os.Getenv("CI") == "true"
}

func randomHex(t testing.TB) string {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// realKeyring returns the OS keyring after proving it answers. Hosts used
// with it are unique per test run and cleaned up, so a developer's own
// keyring is never disturbed.
func realKeyring(t testing.TB) SystemKeyring {
	t.Helper()
	k := SystemKeyring{}
	_, err := k.Get(context.Background(), "https://probe-"+randomHex(t)+".invalid")
	if err == nil || errors.Is(err, ErrNotFound) {
		return k
	}
	if keyringRequired() {
		t.Fatalf("a Secret Service keyring is required here (TFY_SECRETS_REQUIRE_KEYRING=1 or CI=true) but is unreachable: %v", err)
	}
	t.Skipf("no Secret Service keyring reachable (%v); run under scripts/with-keyring.sh", err)
	return k
}

func testHost(t testing.TB) string {
	return "https://tfy-secrets-test-" + randomHex(t) + ".invalid"
}

func TestSystemKeyringRoundTrip(t *testing.T) {
	k := realKeyring(t)
	ctx := context.Background()
	a, b := testHost(t), testHost(t)
	t.Cleanup(func() { _ = k.Delete(ctx, a); _ = k.Delete(ctx, b) })
	canaryA, canaryB := "CANARY-a-"+randomHex(t), "CANARY-b-"+randomHex(t)

	if err := k.Store(ctx, a, secret.FromString("first")); err != nil {
		t.Fatal(err)
	}
	if err := k.Store(ctx, a, secret.FromString(canaryA)); err != nil { // replaces
		t.Fatal(err)
	}
	if err := k.Store(ctx, b, secret.FromString(canaryB)); err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]string{a: canaryA, b: canaryB} {
		got, err := k.Get(ctx, host)
		if err != nil || got.Reveal() != want {
			t.Fatalf("Get(%s): %v (match=%v)", host, err, got.Reveal() == want)
		}
	}
	if err := k.Delete(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Get(ctx, a); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
	if err := k.Delete(ctx, a); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Delete: %v", err)
	}
	if got, err := k.Get(ctx, b); err != nil || got.Reveal() != canaryB {
		t.Fatalf("deleting one host touched another: %v", err)
	}
}

// Login, resolve and logout through the real keyring, and check from the
// outside (libsecret's secret-tool) that the entry has the documented
// service and user names, so other tools can find or remove it.
func TestLoginWithRealKeyring(t *testing.T) {
	k := realKeyring(t)
	ctx := context.Background()
	host := testHost(t)
	t.Cleanup(func() { _ = k.Delete(ctx, host) })
	canary := "CANARY-login-" + randomHex(t)
	home := t.TempDir()
	r := New(Options{LookupEnv: func(string) (string, bool) { return "", false }, HomeDir: home, Keyring: k})

	if err := r.Store(ctx, host+"/", secret.FromString(canary)); err != nil {
		t.Fatal(err)
	}
	c, err := resolve(ctx, r, "")
	if err != nil || c.Host != host || c.HostSource != SourceLogin || c.KeySource != SourceKeyring || c.Key.Reveal() != canary {
		t.Fatalf("after login: %s from %q, key from %q: %v", c.Host, c.HostSource, c.KeySource, err)
	}

	tool, err := exec.LookPath("secret-tool")
	if err != nil {
		if keyringRequired() {
			t.Fatalf("secret-tool (libsecret-tools) is needed to check the entry from outside: %v", err)
		}
		t.Log("secret-tool not installed; outside check not run")
	} else {
		out, err := exec.Command(tool, "lookup", "service", KeyringService, "username", host).Output()
		if err != nil || string(out) != canary {
			t.Fatalf("secret-tool lookup service %s username %s: %v (match=%v)", KeyringService, host, err, string(out) == canary)
		}
	}

	// Nothing but the keyring holds the key: search every file we wrote.
	_ = filepath.WalkDir(home, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if data, _ := os.ReadFile(p); bytes.Contains(data, []byte(canary)) {
				t.Errorf("%s contains the API key", p)
			}
		}
		return nil
	})

	if err := r.Delete(ctx, host); err != nil {
		t.Fatalf("logout: %v", err)
	}
	if _, _, err := r.Host(ctx, ""); failure.KindOf(err) != failure.Unauthorized {
		t.Fatalf("host still remembered after logout: %v", err)
	}
	if _, err := k.Get(ctx, host); !errors.Is(err, ErrNotFound) {
		t.Fatalf("entry survived logout: %v", err)
	}
}

func TestExplainKeyringErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err  error
		want string
	}{
		{dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown", Body: []any{"The name is not activatable"}}, "no Secret Service (org.freedesktop.secrets)"},
		{&dbus.Error{Name: "org.freedesktop.DBus.Error.NameHasNoOwner"}, "no Secret Service (org.freedesktop.secrets)"},
		{errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"), "keyring is locked"},
		{errors.New("something else"), "something else"},
	}
	for _, tc := range cases {
		got := keyringFailure("read API key", "https://a.example.com", tc.err)
		if !strings.Contains(got.Message, tc.want) || !strings.Contains(got.Message, tc.err.Error()) || dbusErrorName(got) != dbusErrorName(tc.err) {
			t.Errorf("%v: message %q, want %q and the cause kept", tc.err, got.Message, tc.want)
		}
	}
}

func TestSessionBusPresent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bus := filepath.Join(dir, "bus")
	none := func(string) string { return "" }
	err := sessionBusPresent("linux", none, bus)
	if err == nil || !strings.Contains(err.Error(), "no D-Bus session bus") {
		t.Fatalf("no address, no socket: %v", err)
	}
	if err := sessionBusPresent("linux", func(string) string { return "autolaunch:" }, bus); err == nil {
		t.Fatal("autolaunch: must count as no bus (it would spawn dbus-launch)")
	}
	if err := sessionBusPresent("linux", func(string) string { return "unix:path=/x" }, bus); err != nil {
		t.Fatalf("address set: %v", err)
	}
	if err := os.WriteFile(bus, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := sessionBusPresent("linux", none, bus); err != nil {
		t.Fatalf("user bus socket present: %v", err)
	}
	if err := sessionBusPresent("darwin", none, filepath.Join(dir, "missing")); err != nil {
		t.Fatalf("darwin has no D-Bus: %v", err)
	}
}

// The helper process: TestKeyringFailures re-runs the test binary with a
// broken D-Bus address, because godbus keeps one session connection per
// process and a hung one would stall every later keyring test here.
func TestKeyringHelperProcess(t *testing.T) {
	mode := os.Getenv("TFY_CREDENTIALS_HELPER")
	switch mode {
	case "":
		return // not the helper; TestKeyringFailures and TestLockedKeyring run it
	case "locked":
		lockedKeyringHelper(t)
		return
	}
	k := SystemKeyring{Timeout: 300 * time.Millisecond}
	ctx := context.Background()
	host := "https://acme.example.com"
	canary := "CANARY-helper-" + randomHex(t)
	start := time.Now()
	errs := []error{
		k.Store(ctx, host, secret.FromString(canary)),
		func() error { _, err := k.Get(ctx, host); return err }(),
		k.Delete(ctx, host),
	}
	elapsed := time.Since(start)
	for i, err := range errs {
		fe, ok := errors.AsType[*failure.Error](err)
		if !ok {
			t.Fatalf("call %d: %v is not a *failure.Error", i, err)
		}
		if !strings.Contains(fe.Hint, "TFY_API_KEY") || !strings.Contains(fe.Message, "OS keyring") {
			t.Fatalf("call %d: message %q hint %q", i, fe.Message, fe.Hint)
		}
		if strings.Contains(fe.Message+fe.Hint, canary) {
			t.Fatalf("call %d leaks the key", i)
		}
		if mode == "hung" && !strings.Contains(fe.Message, "no answer within 300ms") {
			t.Fatalf("call %d: %q, want the timeout", i, fe.Message)
		}
		if mode == "refused" && !strings.Contains(fe.Message, "connect") {
			t.Fatalf("call %d: %q, want the connection error itself", i, fe.Message)
		}
	}
	if failure.KindOf(errs[1]) != failure.Unauthorized || failure.KindOf(errs[0]) != failure.Config {
		t.Fatalf("kinds: store %s, get %s", failure.KindOf(errs[0]), failure.KindOf(errs[1]))
	}
	// Each call is bounded by its own timeout; three of them well under 5 s.
	if elapsed > 5*time.Second {
		t.Fatalf("three keyring calls took %s", elapsed)
	}
	// Resolution over the same broken keyring stops there, although a
	// plaintext token for the host sits in credentials.json below it.
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".truefoundry"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".truefoundry", "credentials.json"), []byte(tfyJSON(host, canary)), 0o600); err != nil {
		t.Fatal(err)
	}
	r := New(Options{LookupEnv: func(string) (string, bool) { return "", false }, HomeDir: home, Keyring: k})
	key, source, err := r.Key(ctx, host)
	if failure.KindOf(err) != failure.Unauthorized || key.IsSet() || source != "" || strings.Contains(err.Error(), canary) {
		t.Fatalf("Key over a broken keyring = %q, %v; want the keyring failure, not the plaintext token", source, err)
	}
	os.Stdout.WriteString("helper: keyring failures reported\n")
}

func TestKeyringFailures(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sock := filepath.Join(dir, "bus")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	// A bus that accepts connections and never says a word, like a wedged
	// dbus-daemon.
	var accepted atomic.Int32
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		<-done
		for _, c := range conns {
			_ = c.Close()
		}
	})

	for mode, addr := range map[string]string{
		"hung":    "unix:path=" + sock,
		"refused": "unix:path=" + filepath.Join(dir, "nobody-listens"),
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKeyringHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), "TFY_CREDENTIALS_HELPER="+mode, "DBUS_SESSION_BUS_ADDRESS="+addr)
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "helper: keyring failures reported") {
			t.Fatalf("%s: helper failed: %v\n%s", mode, err, out)
		}
	}
	if accepted.Load() == 0 {
		t.Fatal("the hung bus was never connected to; the timeout path was not exercised")
	}
}

// TestLockedKeyring runs a real gnome-keyring-daemon whose login keyring
// exists but is locked, with nobody to answer the unlock prompt: the state
// of a desktop keyring after a reboot in an SSH session. It runs in its own
// D-Bus session so the shared keyring of the other tests stays unlocked.
func TestLockedKeyring(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"dbus-run-session", "gnome-keyring-daemon"} {
		if _, err := exec.LookPath(tool); err != nil {
			if keyringRequired() {
				t.Fatalf("%s is required here: %v", tool, err)
			}
			t.Skipf("%s not installed; see scripts/with-keyring.sh", tool)
		}
	}
	root := t.TempDir()
	env := []string{"TFY_CREDENTIALS_HELPER=locked", "PATH=" + os.Getenv("PATH")}
	for _, d := range []string{"HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR"} {
		dir := filepath.Join(root, strings.ToLower(d))
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		env = append(env, d+"="+dir)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "dbus-run-session", "--", os.Args[0], "-test.run=^TestKeyringHelperProcess$", "-test.count=1", "-test.v")
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "helper: locked keyring reported") {
		t.Fatalf("locked keyring helper failed: %v\n%s", err, out)
	}
}

// lockedKeyringHelper runs inside a private D-Bus session: it creates a
// login keyring with one daemon, restarts the daemon without the password,
// and checks that reading the key fails with an explicit error in time.
func lockedKeyringHelper(t *testing.T) {
	conn, err := dbus.SessionBus()
	if err != nil {
		t.Fatal(err)
	}
	startDaemon := func(password string) *exec.Cmd {
		args := []string{"--foreground", "--components=secrets"}
		if password != "" {
			args = append(args, "--unlock")
		}
		d := exec.Command("gnome-keyring-daemon", args...)
		d.Stdin = strings.NewReader(password)
		if err := d.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = d.Process.Kill(); _ = d.Wait() })
		return d
	}
	host := "https://acme.example.com"
	canary := "CANARY-locked-" + randomHex(t)
	ctx := context.Background()

	first := startDaemon("pw-" + randomHex(t))
	waitSecretService(t, conn, true)
	if err := (SystemKeyring{}).Store(ctx, host, secret.FromString(canary)); err != nil {
		t.Fatalf("store in the unlocked keyring: %v", err)
	}
	if err := first.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	waitSecretService(t, conn, false)

	startDaemon("")
	waitSecretService(t, conn, true)
	start := time.Now()
	_, err = SystemKeyring{Timeout: 2 * time.Second}.Get(ctx, host)
	fe, ok := errors.AsType[*failure.Error](err)
	if !ok || fe.Kind != failure.Unauthorized || !strings.Contains(fe.Hint, "TFY_API_KEY") {
		t.Fatalf("locked keyring: %v (%T), want an unauthorized failure with the headless hint", err, err)
	}
	if strings.Contains(fe.Message+fe.Hint, canary) {
		t.Fatal("error leaks the key")
	}
	if !strings.Contains(fe.Message, "keyring is locked") {
		t.Fatalf("message %q does not say the keyring is locked", fe.Message)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("locked keyring took %s to report", d)
	}
	t.Logf("locked keyring: %s", fe.Message)
	os.Stdout.WriteString("helper: locked keyring reported\n")
}

// waitSecretService waits until org.freedesktop.secrets has (or has lost) an
// owner, from the bus's own NameOwnerChanged signal rather than by polling.
func waitSecretService(t *testing.T, conn *dbus.Conn, owned bool) {
	t.Helper()
	const name = "org.freedesktop.secrets"
	match := []dbus.MatchOption{
		dbus.WithMatchInterface("org.freedesktop.DBus"), dbus.WithMatchMember("NameOwnerChanged"), dbus.WithMatchArg(0, name),
	}
	if err := conn.AddMatchSignal(match...); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.RemoveMatchSignal(match...) }()
	signals := make(chan *dbus.Signal, 16)
	conn.Signal(signals)
	defer conn.RemoveSignal(signals)
	var has bool
	if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&has); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(30 * time.Second)
	for has != owned {
		select {
		case sig := <-signals:
			if sig.Name == "org.freedesktop.DBus.NameOwnerChanged" && len(sig.Body) == 3 && sig.Body[0] == name {
				has = sig.Body[2] != ""
			}
		case <-timeout:
			t.Fatalf("%s owned=%v not reached within 30s", name, owned)
		}
	}
}

// BenchmarkSystemKeyringGet is the keyring's share of every command's start
// when the key comes from the keyring: a few D-Bus round trips.
func BenchmarkSystemKeyringGet(b *testing.B) {
	k := realKeyring(b)
	ctx := context.Background()
	host := testHost(b)
	if err := k.Store(ctx, host, secret.FromString("bench-"+randomHex(b))); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = k.Delete(ctx, host) })
	for b.Loop() {
		if _, err := k.Get(ctx, host); err != nil {
			b.Fatal(err)
		}
	}
}

// TestWithKeyringScript runs scripts/with-keyring.sh the way the Makefile
// does and checks its promises: the proof line, a private HOME that is gone
// afterwards, the require flag, the exit status passed through, and the
// daemon it started stopped.
func TestWithKeyringScript(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"dbus-run-session", "dbus-send", "gnome-keyring-daemon"} {
		if _, err := exec.LookPath(tool); err != nil {
			if keyringRequired() {
				t.Fatalf("%s is required here: %v", tool, err)
			}
			t.Skipf("%s not installed", tool)
		}
	}
	script, err := filepath.Abs(filepath.Join("..", "..", "scripts", "with-keyring.sh"))
	if err != nil {
		t.Fatal(err)
	}
	inner := `echo "home=$HOME"; echo "require=$TFY_SECRETS_REQUIRE_KEYRING"
dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
  org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets | awk '{print "daemon=" $2}'
exit 7`
	cmd := exec.Command(script, "sh", "-c", inner)
	cmd.Stdin = nil
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 7 {
		t.Fatalf("exit = %v, want 7 passed through\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "keyring: gnome-keyring-daemon ") || !strings.HasSuffix(lines[0], " owns org.freedesktop.secrets") {
		t.Fatalf("output:\n%s", stdout.String())
	}
	home, _ := strings.CutPrefix(lines[1], "home=")
	if home == "" || home == os.Getenv("HOME") {
		t.Fatalf("HOME inside = %q, want a throwaway one", home)
	}
	if _, err := os.Stat(home); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("throwaway HOME %s left behind: %v", home, err)
	}
	if lines[2] != "require=1" {
		t.Fatalf("inside: %s, want require=1", lines[2])
	}
	pid, _ := strings.CutPrefix(lines[3], "daemon=")
	if pid == "" || pid == lines[3] {
		t.Fatalf("no daemon pid in %q", lines[3])
	}
	// The script waits for the daemon it killed, so it is gone by now (a
	// zombie would still have a /proc entry with state Z; we reaped it).
	if _, err := os.Stat("/proc/" + pid); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("gnome-keyring-daemon %s still running after the script exited", pid)
	}
}
