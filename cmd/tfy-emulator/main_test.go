package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
)

// binary returns tfy-emulator, built once for all tests in this package.
func binary() (string, error) {
	dir, err := testkit.Commands("tfy-emulator")
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "tfy-emulator"), nil
}

func TestMain(m *testing.M) {
	os.Exit(testkit.Run(m))
}

// emulatorProc is a running tfy-emulator.
type emulatorProc struct {
	cmd    *exec.Cmd
	lines  []string // the start-up lines
	stdout *bytes.Buffer
	stderr *bytes.Buffer
	done   chan error
}

// launch starts the binary and waits for its three start-up lines.
func launch(t *testing.T, args ...string) *emulatorProc {
	t.Helper()
	bin, err := binary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	stdoutPipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &emulatorProc{cmd: cmd, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, done: make(chan error, 1)}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill() // our own child, by pid
			<-p.done
		}
	})
	lines := make(chan []string, 1)
	rest := make(chan struct{})
	go func() {
		r := bufio.NewReader(stdoutPipe)
		var got []string
		for range 3 {
			line, err := r.ReadString('\n')
			if err != nil {
				break
			}
			got = append(got, strings.TrimSuffix(line, "\n"))
		}
		lines <- got
		_, _ = io.Copy(p.stdout, r)
		close(rest)
	}()
	go func() {
		<-rest
		p.done <- cmd.Wait()
	}()
	select {
	case p.lines = <-lines:
	case <-time.After(60 * time.Second):
		t.Fatalf("no start-up lines; stderr: %s", p.stderr)
	}
	if len(p.lines) < 3 {
		t.Fatalf("start-up lines %q; stderr: %s", p.lines, p.stderr)
	}
	return p
}

// stop signals the process and waits for it to exit.
func (p *emulatorProc) stop(t *testing.T, sig syscall.Signal) int {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the emulator did not stop after the signal")
	}
	return p.cmd.ProcessState.ExitCode()
}

var firstLine = regexp.MustCompile(`^tfy-emulator listening on (http://127\.0\.0\.1:\d+)$`)

func TestStartAndStop(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		p := launch(t, "--addr", "127.0.0.1:0", "--tenant", "acme")
		m := firstLine.FindStringSubmatch(p.lines[0])
		if m == nil {
			t.Fatalf("first line %q", p.lines[0])
		}
		base := m[1]
		if p.lines[1] != "export TFY_BASE_URL="+base {
			t.Errorf("second line %q", p.lines[1])
		}
		key, found := strings.CutPrefix(p.lines[2], "export TFY_API_KEY=")
		if !found || len(key) < 40 {
			t.Fatalf("third line %q", p.lines[2])
		}
		// The printed key works and carries the tenant claim.
		req, _ := http.NewRequest("GET", base+"/api/svc/v1/provider-integrations?type=secret-store", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var list struct {
			Data []struct{ FQN string }
		}
		err = json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || len(list.Data) != 4 || !strings.HasPrefix(list.Data[0].FQN, "acme:") {
			t.Fatalf("list with printed key: %d %+v %v", resp.StatusCode, list, err)
		}
		if code := p.stop(t, sig); code != 0 {
			t.Errorf("%v: exit %d; stderr: %s", sig, code, p.stderr)
		}
		if !strings.Contains(p.stderr.String(), "tfy-emulator stopped") {
			t.Errorf("stderr %q", p.stderr)
		}
	}
}

// TestStateAcrossRestarts runs the binary twice on one state file, with
// keys given on the command line, and plants a canary value that must not
// show up in either run's output.
func TestStateAcrossRestarts(t *testing.T) {
	t.Parallel()
	state := filepath.Join(t.TempDir(), "state.json")
	canary := "canary-value-8QmZ"
	args := []string{"--addr", "127.0.0.1:0", "--state", state, "--api-key", "admin-key-1", "--api-key", "viewer-key-1:viewer"}

	p := launch(t, args...)
	base := firstLine.FindStringSubmatch(p.lines[0])[1]
	if p.lines[2] != "export TFY_API_KEY=admin-key-1" {
		t.Errorf("key line %q", p.lines[2])
	}
	integrationID := secretStoreID(t, base, "admin-key-1")
	body := `{"name":"persisted","integrationId":"` + integrationID + `","secrets":[{"key":"TOKEN","value":"` + canary + `"}]}`
	if status, out := request(t, "POST", base+"/api/svc/v1/secret-groups", "admin-key-1", body); status != 200 {
		t.Fatalf("create: %d %s", status, out)
	}
	if status, _ := request(t, "POST", base+"/api/svc/v1/secret-groups", "viewer-key-1", body); status != 403 {
		t.Errorf("viewer create: %d, want 403", status)
	}
	if code := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
	info, err := os.Stat(state)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("state file: %v %v", info, err)
	}

	p2 := launch(t, args...)
	base = firstLine.FindStringSubmatch(p2.lines[0])[1]
	status, out := request(t, "GET", base+"/api/svc/v1/secret-groups?fqn=demo:persisted", "admin-key-1", "")
	if status != 200 || !strings.Contains(out, `"name":"TOKEN"`) {
		t.Fatalf("after restart: %d %s", status, out)
	}
	if code := p2.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, proc := range []*emulatorProc{p, p2} {
		all := strings.Join(proc.lines, "\n") + proc.stdout.String() + proc.stderr.String()
		if strings.Contains(all, canary) {
			t.Error("the canary value reached the emulator's output")
		}
	}
}

func secretStoreID(t *testing.T, base, key string) string {
	t.Helper()
	_, out := request(t, "GET", base+"/api/svc/v1/provider-integrations?type=secret-store", key, "")
	var list struct{ Data []struct{ ID, Type string } }
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list.Data) == 0 {
		t.Fatalf("integrations: %s", out)
	}
	return list.Data[0].ID
}

func request(t *testing.T, method, url, key, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestRefusals: bad flags exit 2, a non-loopback address or a corrupt state
// file exit 1 with a message and no start-up line.
func TestRefusals(t *testing.T) {
	t.Parallel()
	bin, err := binary()
	if err != nil {
		t.Fatal(err)
	}
	corrupt := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(corrupt, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--addr", "0.0.0.0:0"}, 1, `error: address "0.0.0.0:0": the emulator listens on loopback IPs only, such as 127.0.0.1`},
		{[]string{"--addr", "127.0.0.1:0", "--api-key", "s3cret-key:owner"}, 2, "api key: the part after the last ':' must be a role: admin, editor or viewer"},
		{[]string{"--addr", "127.0.0.1:0", "--state", corrupt}, 1, "is not valid emulator state"},
		{[]string{"--bogus"}, 2, "flag provided but not defined: -bogus"},
		{[]string{"extra"}, 2, `error: unexpected argument "extra"`},
	}
	for _, tc := range cases {
		cmd := exec.Command(bin, tc.args...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, isExit := err.(*exec.ExitError); isExit {
			code = ee.ExitCode()
		}
		if code != tc.code || !strings.Contains(stderr.String(), tc.want) || stdout.Len() != 0 {
			t.Errorf("%v: exit %d stdout %q stderr %q; want exit %d and %q", tc.args, code, stdout.String(), stderr.String(), tc.code, tc.want)
		}
		if strings.Contains(stderr.String(), "s3cret-key") {
			t.Errorf("%v: the key was echoed", tc.args)
		}
	}
	if b, _ := os.ReadFile(corrupt); string(b) != "{not json" {
		t.Error("the corrupt state file was changed")
	}
}

func TestShellQuote(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"abc.DEF-1_2": "abc.DEF-1_2", "a b": "'a b'", "it's": `'it'\''s'`, "$HOME": "'$HOME'"} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %q, want %q", in, got, want)
		}
	}
}
