package e2e

import (
	"bufio"
	"bytes"
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
	"syscall"
	"testing"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// bin holds the paths of the binaries built once per run, in the
// installed layout (testkit.Commands).
var bin struct {
	dir, host, plugin, emulator, tfy string
}

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := testkit.Commands("tfy-secrets", "tfy-secrets-plugin", "tfy-emulator", "tfy-secrets-policy")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	bin.dir = dir
	bin.host = filepath.Join(dir, "tfy-secrets")
	bin.plugin = filepath.Join(dir, "tfy-secrets-plugin")
	bin.emulator = filepath.Join(dir, "tfy-emulator")
	bin.tfy = filepath.Join(dir, "tfy")
	os.Exit(testkit.Run(m))
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
	e := &emulator{admin: testkit.Canary("e2e-admin-"), viewer: testkit.Canary("e2e-viewer-")}
	argv := append([]string{"--addr", "127.0.0.1:0", "--api-key", e.admin + ":admin", "--api-key", e.viewer + ":viewer"}, args...)
	cmd := exec.Command(bin.emulator, argv...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr testkit.LockedBuffer
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
