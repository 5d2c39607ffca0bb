package e2e

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// bin holds the paths of the binaries built once per run.
var bin struct {
	dir, host, plugin, emulator, tfy string
}

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "tfy-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := buildBinaries(dir); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	bin.dir = dir
	bin.host = filepath.Join(dir, "tfy-secrets")
	bin.plugin = filepath.Join(dir, "tfy-secrets-plugin")
	bin.emulator = filepath.Join(dir, "tfy-emulator")
	bin.tfy = filepath.Join(dir, "tfy")
	// The installed layout: the sum file beside the plugin (a host built
	// without -X ...PluginSHA256 reads it), and the `tfy` symlink.
	data, err := os.ReadFile(bin.plugin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	sum := sha256.Sum256(data)
	if err := os.WriteFile(bin.plugin+".sha256", []byte(hex.EncodeToString(sum[:])+"  tfy-secrets-plugin\n"), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	if err := os.Symlink(bin.host, bin.tfy); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	return m.Run()
}

// envPrebuilt names a directory of binaries already built from this tree
// (e.g. by `make build`); the tests copy them instead of building, which
// saves a minute when iterating on the tests themselves.
const envPrebuilt = "TFY_E2E_PREBUILT"

func buildBinaries(dir string) error {
	if pre := os.Getenv(envPrebuilt); pre != "" {
		for _, name := range []string{"tfy-secrets", "tfy-secrets-plugin", "tfy-emulator", "tfy-secrets-policy"} {
			data, err := os.ReadFile(filepath.Join(pre, name))
			if err != nil {
				return fmt.Errorf("copy prebuilt binaries: %w", err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o755); err != nil {
				return fmt.Errorf("copy prebuilt binaries: %w", err)
			}
		}
		return nil
	}
	build := exec.Command("go", "build", "-trimpath", "-o", dir+"/", "github.com/tfy-secrets/tfy-secrets/cmd/...")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build the binaries: %w", err)
	}
	return nil
}

// token returns a fresh random string with a prefix, for API keys and
// canaries: unique per test so a hit can only come from this test.
func token(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// emulator is a running tfy-emulator.
type emulator struct {
	url    string
	admin  string // admin API key
	viewer string // viewer API key
}

// startEmulator starts tfy-emulator on a free loopback port and waits for
// its ready line; it is stopped (SIGTERM, then waited for) at cleanup.
func startEmulator(t *testing.T, args ...string) *emulator {
	t.Helper()
	e := &emulator{admin: token("e2e-admin-"), viewer: token("e2e-viewer-")}
	argv := append([]string{"--addr", "127.0.0.1:0", "--api-key", e.admin + ":admin", "--api-key", e.viewer + ":viewer"}, args...)
	cmd := exec.Command(bin.emulator, argv...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	first, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("emulator did not start: %v; stderr: %s", err, stderr.String())
	}
	url, ok := strings.CutPrefix(strings.TrimSpace(first), "tfy-emulator listening on ")
	if !ok || !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("emulator's first line is %q", first)
	}
	e.url = url
	// Keep draining stdout so the emulator never blocks on a full pipe.
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return e
}

// control calls a test-only /_emulator/ endpoint and fails the test unless
// it answers 2xx.
func (e *emulator) control(t *testing.T, method, path string, body any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, e.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %s: %s", method, path, resp.Status, out)
	}
}

// user is a person at a shell: a throwaway HOME and a clean environment
// that points at the emulator. Nothing from the tester's environment leaks
// in except what the keyring needs under scripts/with-keyring.sh.
type user struct {
	t    *testing.T
	home string
	env  map[string]string
}

func newUser(t *testing.T, e *emulator) *user {
	t.Helper()
	u := &user{t: t, home: t.TempDir(), env: map[string]string{}}
	u.env["HOME"] = u.home
	u.env["PATH"] = bin.dir + ":/usr/bin:/bin"
	u.env["TMPDIR"] = t.TempDir()
	u.env["NO_COLOR"] = "1"
	if e != nil {
		u.env["TFY_BASE_URL"] = e.url
		u.env["TFY_API_KEY"] = e.admin
	}
	for _, k := range []string{"DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "TFY_SECRETS_REQUIRE_KEYRING"} {
		if v, ok := os.LookupEnv(k); ok {
			u.env[k] = v
		}
	}
	return u
}

func (u *user) environ() []string {
	out := make([]string, 0, len(u.env))
	for k, v := range u.env {
		out = append(out, k+"="+v)
	}
	return out
}

// result is what one command did.
type result struct {
	args   []string
	stdout string
	stderr string
	code   int
}

func (r result) String() string {
	return fmt.Sprintf("tfy-secrets %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// run runs the host binary with args, stdin fed from stdin, no terminal.
func (u *user) run(stdin string, args ...string) result {
	u.t.Helper()
	return u.runBinary(bin.host, stdin, args...)
}

func (u *user) runBinary(path, stdin string, args ...string) result {
	u.t.Helper()
	cmd := exec.Command(path, args...)
	cmd.Env = u.environ()
	cmd.Dir = u.home
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		u.t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		<-done
		u.t.Fatalf("tfy-secrets %v hung; stderr so far: %s", args, stderr.String())
	}
	code := 0
	if ee, ok := errors.AsType[*exec.ExitError](err); ok {
		code = ee.ExitCode()
	} else if err != nil {
		u.t.Fatal(err)
	}
	return result{args: args, stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// must runs a command that has to succeed.
func (u *user) must(stdin string, args ...string) result {
	u.t.Helper()
	r := u.run(stdin, args...)
	if r.code != 0 {
		u.t.Fatalf("%v", r)
	}
	return r
}

// lockedBuffer is a bytes.Buffer several goroutines may write.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// api calls the emulator's TrueFoundry API directly with the admin key and
// decodes the JSON answer into out; tests use it to check what really got
// stored, bypassing the code under test.
func (e *emulator) api(t *testing.T, method, path string, body, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, e.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.admin)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %s: %s", method, path, resp.Status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	}
}

// stored returns the key -> value map the emulator holds for a group, read
// straight from the API.
func (e *emulator) stored(t *testing.T, group string) map[string]string {
	t.Helper()
	var groups struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	e.api(t, http.MethodGet, "/api/svc/v1/secret-groups?fqn=demo:"+group, nil, &groups)
	if len(groups.Data) != 1 {
		t.Fatalf("group %s: %d matches", group, len(groups.Data))
	}
	var secrets struct {
		Data []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"data"`
	}
	e.api(t, http.MethodPost, "/api/svc/v1/secrets", map[string]any{"secretGroupId": groups.Data[0].ID, "withValue": true, "limit": 1000, "offset": 0}, &secrets)
	out := map[string]string{}
	for _, s := range secrets.Data {
		out[s.Name] = s.Value
	}
	return out
}

// groupExists reports whether the emulator has a group by that name.
func (e *emulator) groupExists(t *testing.T, group string) bool {
	t.Helper()
	var groups struct {
		Data []json.RawMessage `json:"data"`
	}
	e.api(t, http.MethodGet, "/api/svc/v1/secret-groups?fqn=demo:"+group, nil, &groups)
	return len(groups.Data) > 0
}
