package e2e

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
)

// The tests in this file automate the rows of docs/reliability.md that
// held before hardening began and had no end-to-end test: the real
// binaries against the real emulator (or a hostile server), checking the
// exit code and that no key was lost or altered.

// TestServerFaultsLoseNothing: 5xx, 429, latency and dropped connections,
// on reads and on the write of an update. Reads are retried and succeed or
// end in exit 9; a write is never sent twice, and the group afterwards holds
// exactly what the outcome says: unchanged, or the update applied once.
func TestServerFaultsLoseNothing(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	u.env["VA"], u.env["VB"], u.env["VNEW"] = testkit.Canary("a-"), testkit.Canary("b-"), testkit.Canary("new-")
	u.must("", "group", "create", "faults", "--provider", "gcp", "--from-env", "A=VA", "--from-env", "B=VB", "--yes")
	before := map[string]string{"A": u.env["VA"], "B": u.env["VB"]}
	applied := map[string]string{"A": u.env["VA"], "B": u.env["VB"], "NEW": u.env["VNEW"]}
	get := []string{"group", "get", "faults"}
	update := []string{"group", "update", "faults", "--from-env", "NEW=VNEW", "--yes"}
	const groups, groupPath = "/api/svc/v1/secret-groups", "/api/svc/v1/secret-groups/"

	for _, tc := range []struct {
		name  string
		fault map[string]any
		args  []string
		code  int
		want  map[string]string // the group afterwards
	}{
		{"503 twice on reads", map[string]any{"method": "GET", "pathPrefix": groups, "status": 503, "count": 2}, get, 0, before},
		{"503 on every read", map[string]any{"method": "GET", "pathPrefix": groups, "status": 503}, get, 9, before},
		{"429 with Retry-After once", map[string]any{"status": 429, "retryAfterSeconds": 1, "count": 1}, get, 0, before},
		{"429 on every read", map[string]any{"method": "GET", "status": 429, "retryAfterSeconds": 1}, get, 9, before},
		{"latency within the timeout", map[string]any{"delay": "750ms", "count": 1}, get, 0, before},
		{"read dropped before an answer", map[string]any{"method": "GET", "drop": "before", "count": 1}, get, 0, before},
		{"read dropped after it was served", map[string]any{"method": "GET", "drop": "after", "count": 1}, get, 0, before},
		// Had the failed write been sent again, NEW would be stored.
		{"503 on the write", map[string]any{"method": "PUT", "pathPrefix": groupPath, "status": 503, "count": 1}, update, 9, before},
		{"write dropped before it was served", map[string]any{"method": "PUT", "pathPrefix": groupPath, "drop": "before", "count": 1}, update, 9, before},
		{"write dropped after it was applied", map[string]any{"method": "PUT", "pathPrefix": groupPath, "drop": "after", "count": 1}, update, 9, applied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.control(t, http.MethodPost, "/_emulator/faults", tc.fault)
			r := u.run("", tc.args...)
			e.control(t, http.MethodDelete, "/_emulator/faults", nil)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\n%v", r.code, tc.code, r)
			}
			if got := e.stored(t, "faults"); !maps.Equal(got, tc.want) {
				t.Fatalf("stored keys %v, want %v", sorted(keys(got)), sorted(keys(tc.want)))
			}
			// Put the group back for the next case.
			if _, ok := e.stored(t, "faults")["NEW"]; ok {
				u.must("", "group", "update", "faults", "--unset", "NEW", "--yes")
			}
		})
	}
}

// startHost starts the host without a terminal, for tests that signal it.
func (u *user) startHost(stdout *os.File, args ...string) (*exec.Cmd, *testkit.LockedBuffer) {
	u.t.Helper()
	cmd := exec.Command(bin.host, args...)
	cmd.Env = u.environ()
	cmd.Dir = u.home
	var stderr testkit.LockedBuffer
	if stdout != nil {
		cmd.Stdout = stdout
	}
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		u.t.Fatal(err)
	}
	return cmd, &stderr
}

// waitEmpty polls (bounded) until dir holds nothing but the empty per-user
// socket parent (see leftovers): the plugin removes its
// socket directory as it exits, which may come just after the host's end.
func waitEmpty(t *testing.T, dir string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		left := leftovers(t, dir)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still holds %v", dir, left)
		}
		<-tick.C
	}
}

// TestSignalsDuringARead: SIGINT, SIGTERM and SIGKILL sent to the host while
// its plugin waits on a slow API call. The first two end it with the shell's
// codes and an error line; after any of them the plugin is gone and its
// socket directory removed.
func TestSignalsDuringARead(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	for _, tc := range []struct {
		sig  syscall.Signal
		code int // -1: killed by the signal
	}{
		{syscall.SIGINT, 130},
		{syscall.SIGTERM, 143},
		{syscall.SIGKILL, -1},
	} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			u := newUser(t, e)
			e.control(t, http.MethodPost, "/_emulator/faults", map[string]any{"method": "GET", "pathPrefix": "/api/svc/v1/secret-groups", "delay": "5m", "count": 1})
			cmd, stderr := u.startHost(nil, "group", "list")
			waitFaultsUsed(t, e)
			plugin := waitPlugin(t, cmd.Process.Pid)
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			ee, ok := errors.AsType[*exec.ExitError](err)
			if !ok {
				t.Fatalf("host ended with %v, want a failure", err)
			}
			if tc.code == -1 {
				if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != tc.sig {
					t.Fatalf("host ended with %v, want killed by %v", err, tc.sig)
				}
			} else if ee.ExitCode() != tc.code || !strings.Contains(stderr.String(), "error: ") {
				t.Fatalf("exit %d, want %d with an error line; stderr: %s", ee.ExitCode(), tc.code, stderr.String())
			}
			testkit.WaitGone(t, plugin)
			waitEmpty(t, u.env["TMPDIR"])
		})
	}
}

// TestOutputThatCannotBeWritten: stdout on a full disk is an error (exit 1,
// said on stderr), and stdout closed by the reader (`| head`) ends the
// command without success; neither leaves the plugin or its socket behind.
func TestOutputThatCannotBeWritten(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	u.env["V"] = testkit.Canary("v-")
	u.must("", "group", "create", "printed", "--provider", "gcp", "--from-env", "K=V", "--yes")

	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	for _, format := range []string{"table", "json"} {
		cmd, stderr := u.startHost(full, "group", "get", "printed", "-o", format)
		err := cmd.Wait()
		if ee, ok := errors.AsType[*exec.ExitError](err); !ok || ee.ExitCode() != 1 || !strings.Contains(stderr.String(), "no space left on device") {
			t.Fatalf("-o %s to /dev/full: %v; stderr: %s", format, err, stderr.String())
		}
		waitEmpty(t, u.env["TMPDIR"])
	}

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	_ = r.Close()
	cmd, stderr := u.startHost(w, "group", "get", "printed")
	_ = w.Close()
	if err := cmd.Wait(); err == nil {
		t.Fatalf("writing to a closed pipe succeeded; stderr: %s", stderr.String())
	}
	waitEmpty(t, u.env["TMPDIR"])
}

// TestReplacedPluginNeverRuns: a program put where the plugin belongs, or
// named by TFY_SECRETS_PLUGIN, is refused before it is executed.
func TestReplacedPluginNeverRuns(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	marker := filepath.Join(dir, "the-impostor-ran")
	impostor := []byte("#!/bin/sh\ntouch " + marker + "\n")
	if err := os.WriteFile(filepath.Join(dir, "tfy-secrets-plugin"), impostor, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"tfy-secrets", "tfy-secrets-plugin.sha256"} {
		data, err := os.ReadFile(filepath.Join(bin.dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	e := startEmulator(t)
	u := newUser(t, e)
	if r := u.runBinary(filepath.Join(dir, "tfy-secrets"), "", "group", "list"); r.code != 1 || !strings.Contains(r.stderr, "SHA-256") {
		t.Fatalf("replaced beside the host: want exit 1 naming the checksum\n%v", r)
	}
	u.env["TFY_SECRETS_PLUGIN"] = filepath.Join(dir, "tfy-secrets-plugin")
	if r := u.run("", "group", "list"); r.code != 1 {
		t.Fatalf("named by TFY_SECRETS_PLUGIN: want exit 1\n%v", r)
	}
	if _, err := os.Stat(marker); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the impostor plugin was executed (%v)", err)
	}
}

// TestHostileServers: a server that redirects, presents an untrusted
// certificate, answers TLS in plain HTTP, or sends hostile bodies. Nothing
// follows the redirect, no request crosses an unverified connection, and
// no control character or body text reaches the terminal.
func TestHostileServers(t *testing.T) {
	t.Parallel()
	canary := testkit.Canary("CANARY-body-")
	var reached atomic.Int32 // requests that got past the hostile server
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		reached.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"data":[],"pagination":{"total":0,"offset":0,"limit":1000}}`))
	}))
	t.Cleanup(target.Close)
	serve := func(h http.HandlerFunc) string {
		s := httptest.NewServer(h)
		t.Cleanup(s.Close)
		return s.URL
	}
	tlsServer := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		reached.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"data":[],"pagination":{"total":0,"offset":0,"limit":1000}}`))
	}))
	tlsServer.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	tlsServer.StartTLS()
	t.Cleanup(tlsServer.Close)
	plain := serve(func(w http.ResponseWriter, _ *http.Request) { reached.Add(1) })

	// With the test server's certificate trusted, the same server works by
	// its address and is refused by a name the certificate does not hold.
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsServer.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	port := tlsServer.Listener.Addr().(*net.TCPAddr).Port
	for name, tc := range map[string]struct {
		url  string
		code int
	}{
		"trusted":    {tlsServer.URL, 0},
		"wrong name": {fmt.Sprintf("https://localhost:%d", port), 9},
	} {
		u := newUser(t, nil)
		u.env["TFY_BASE_URL"], u.env["TFY_API_KEY"], u.env["SSL_CERT_FILE"] = tc.url, testkit.Canary("key-"), caFile
		if r := u.run("", "group", "list"); r.code != tc.code {
			t.Fatalf("%s certificate: want exit %d\n%v", name, tc.code, r)
		}
	}
	reached.Store(0) // the trusted run's requests were meant to arrive

	// Short case names: each becomes part of the user's TMPDIR, and so of
	// the plugin's socket path, which a Unix socket caps at 108 bytes.
	for _, tc := range []struct {
		name string
		url  string
		code int
	}{
		{"redirect", serve(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
		}), 1},
		{"untrusted cert", tlsServer.URL, 9},
		{"plain http", strings.Replace(plain, "http://", "https://", 1), 9},
		{"html 502", serve(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte("<html>\x1b[31mBad gateway\x1b]0;owned\x07\r\x08\x1b[2J</html>"))
		}), 9},
		{"malformed answer", serve(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(canary + "\x00\xff"))
		}), 1},
		{"wrong shape", serve(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = fmt.Fprintf(w, `{"data":{"id":[%q]},"pagination":"%s"}`, canary, canary)
		}), 1},
		{"100 KB message", serve(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]any{"statusCode": 400, "message": strings.Repeat("A", 100<<10)})
		}), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := newUser(t, nil)
			u.env["TFY_BASE_URL"] = tc.url
			u.env["TFY_API_KEY"] = testkit.Canary("key-")
			r := u.run("", "group", "list")
			if r.code != tc.code || strings.Count(r.stderr, "error: ") != 1 {
				t.Fatalf("want exit %d and one error line\n%v", tc.code, r)
			}
			if strings.ContainsAny(r.stderr, "\x1b\x07\r\x08\x00") || strings.Contains(r.stderr, canary) || len(r.stderr) > 1000 {
				t.Fatalf("the server's bytes reached the terminal (%d bytes): %.300q", len(r.stderr), r.stderr)
			}
		})
	}
	if n := reached.Load(); n != 0 {
		t.Fatalf("%d request(s) went past a redirect or over an unverified connection", n)
	}
}

// TestPlainHTTPOnlyForLoopback: an http:// host that is not loopback is
// refused before any connection, from the flag (a usage error) and from the
// environment (a configuration error).
func TestPlainHTTPOnlyForLoopback(t *testing.T) {
	t.Parallel()
	u := newUser(t, nil)
	u.env["TFY_API_KEY"] = testkit.Canary("key-")
	if r := u.run("", "--host", "http://tfy.example.com", "group", "list"); r.code != 2 || !strings.Contains(r.stderr, "loopback") {
		t.Fatalf("--host http://: want exit 2\n%v", r)
	}
	u.env["TFY_BASE_URL"] = "http://10.0.0.1:8080"
	if r := u.run("", "group", "list"); r.code != 1 || !strings.Contains(r.stderr, "loopback") {
		t.Fatalf("TFY_BASE_URL=http://: want exit 1\n%v", r)
	}
}

// TestKeyringDownNoFallback: without a session bus, or with one that never
// answers, a command that needs the key ends in exit 3 with the headless
// hint, although credentials.json holds a key that would work.
func TestKeyringDownNoFallback(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	sockDir, err := os.MkdirTemp("", "bus")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(sockDir) })
	ln, err := net.Listen("unix", filepath.Join(sockDir, "bus"))
	if err != nil {
		t.Fatal(err)
	}
	// A bus that accepts connections and never says a word.
	var conns []net.Conn
	accepted := make(chan struct{})
	go func() {
		defer close(accepted)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		<-accepted
		for _, c := range conns {
			_ = c.Close()
		}
	})
	for name, bus := range map[string]string{"no bus": "", "hung bus": "unix:path=" + filepath.Join(sockDir, "bus")} {
		t.Run(name, func(t *testing.T) {
			u := newUser(t, e)
			delete(u.env, "TFY_API_KEY")
			delete(u.env, "DBUS_SESSION_BUS_ADDRESS")
			if bus != "" {
				u.env["DBUS_SESSION_BUS_ADDRESS"] = bus
			}
			creds, err := json.Marshal(map[string]string{"host": e.url, "access_token": e.admin})
			if err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(u.home, ".truefoundry"), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(u.home, ".truefoundry", "credentials.json"), creds, 0o600); err != nil {
				t.Fatal(err)
			}
			r := u.run("", "group", "list")
			if r.code != 3 || !strings.Contains(r.stderr, "OS keyring") || !strings.Contains(r.stderr, "TFY_API_KEY") {
				t.Fatalf("want exit 3 naming the keyring, with the headless hint\n%v", r)
			}
			// Logging in with a good key cannot store it, and keeps it
			// nowhere else.
			good := e.viewer
			if r := u.run(good+"\n", "auth", "login", "--with-token"); r.code != 1 || !strings.Contains(r.stderr, "OS keyring") {
				t.Fatalf("login: want exit 1 naming the keyring\n%v", r)
			}
			err = filepath.WalkDir(u.home, func(path string, d fs.DirEntry, err error) error {
				if err != nil || !d.Type().IsRegular() {
					return err
				}
				data, err := os.ReadFile(path)
				if err == nil && bytes.Contains(data, []byte(good)) {
					t.Errorf("%s holds the key that could not be stored", path)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestTenThousandKeyDotenv: a group created from a .env file of 10,000 keys
// holds every key with its exact value; an update from the same file with
// one value changed rotates that key alone and keeps every other one.
func TestTenThousandKeyDotenv(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	want := map[string]string{}
	var file bytes.Buffer
	for i := range 10_000 {
		k, v := fmt.Sprintf("KEY_%05d", i), fmt.Sprintf("value-%05d-%s", i, testkit.Canary(""))
		want[k] = v
		fmt.Fprintf(&file, "%s=%s\n", k, v)
	}
	path := filepath.Join(t.TempDir(), "big.env")
	if err := os.WriteFile(path, file.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := u.must("", "group", "create", "big", "--provider", "gcp", "--from-dotenv", path, "--yes"); strings.Contains(r.stderr, "warning:") {
		t.Fatalf("the write of 10,000 keys was not fully verified:\n%s", r.stderr[:min(len(r.stderr), 2000)])
	}
	if got := e.storedAll(t, "big"); !maps.Equal(got, want) {
		t.Fatalf("stored %d keys, want the file's %d with their values", len(got), len(want))
	}

	old := want["KEY_05000"]
	want["KEY_05000"] = testkit.Canary("changed-")
	changed := bytes.Replace(file.Bytes(), []byte("KEY_05000="+old+"\n"), []byte("KEY_05000="+want["KEY_05000"]+"\n"), 1)
	if err := os.WriteFile(path, changed, 0o600); err != nil {
		t.Fatal(err)
	}
	r := u.must("", "group", "update", "big", "--from-dotenv", path, "--yes", "-o", "json")
	var doc struct {
		Result struct {
			Changes []struct{ Key, Action string }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, c := range doc.Result.Changes {
		actions[c.Action]++
		if c.Action == "rotate" && c.Key != "KEY_05000" {
			t.Fatalf("rotated %s", c.Key)
		}
	}
	if actions["rotate"] != 1 || actions["unchanged"] != 9_999 {
		t.Fatalf("actions %v, want one rotate and 9999 unchanged", actions)
	}
	if got := e.storedAll(t, "big"); !maps.Equal(got, want) {
		t.Fatalf("after the update: stored %d keys, want the file's %d with their values", len(got), len(want))
	}
}

// storedAll is stored for groups of any size: it pages through the
// group's secrets.
func (e *emulator) storedAll(t *testing.T, group string) map[string]string {
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
	out := map[string]string{}
	const limit = 1000
	for offset := 0; ; offset += limit {
		var page struct {
			Data []struct {
				Name  string `json:"name"`
				Value string `json:"value"`
			} `json:"data"`
		}
		e.api(t, http.MethodPost, "/api/svc/v1/secrets", map[string]any{"secretGroupId": groups.Data[0].ID, "withValue": true, "limit": limit, "offset": offset}, &page)
		for _, s := range page.Data {
			out[s.Name] = s.Value
		}
		if len(page.Data) < limit {
			return out
		}
	}
}

// TestPathLikeNames: group names and keys spelled like paths reach only the
// group or key they name: a GROUP of "../app" is not "app", and a key that
// contains "/../" (allowed by AWS Secrets Manager) is read and deleted
// alone.
func TestPathLikeNames(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	// The plugin talks to the emulator through a proxy that records every
	// path as sent, so a name that became path structure is seen even where
	// the emulator would have answered 404 anyway.
	upstream, err := url.Parse(e.url)
	if err != nil {
		t.Fatal(err)
	}
	forward := httputil.NewSingleHostReverseProxy(upstream)
	var mu sync.Mutex
	var structural []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.EscapedPath()
		rest, isGroup := strings.CutPrefix(p, "/api/svc/v1/secret-groups/")
		if slices.ContainsFunc(strings.Split(p, "/"), func(seg string) bool { return seg == "." || seg == ".." }) || (isGroup && strings.Contains(rest, "/")) {
			mu.Lock()
			structural = append(structural, r.Method+" "+p)
			mu.Unlock()
		}
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	u.env["TFY_BASE_URL"] = proxy.URL
	u.env["V"], u.env["W"] = testkit.Canary("v-"), testkit.Canary("w-")
	u.must("", "group", "create", "app", "--provider", "gcp", "--from-env", "A=V", "--yes")
	u.must("", "group", "create", "sm", "--integration", "demo:aws:aws-dev:secret-store:secrets-manager",
		"--from-env", "path/like/../key=V", "--from-env", "a/b=W", "--yes")

	for _, g := range []string{".", "..", "../app", "app/../app", "./app", "%2e%2e", "app%2F..", "a/b", "/etc/passwd"} {
		for _, args := range [][]string{
			{"group", "get", g},
			{"group", "update", g, "--from-env", "A=W", "--yes"},
			{"group", "delete", g, "--yes", "--confirm-name", g},
			{"secret", "get", g + ":A"},
			{"secret", "delete", g + ":A", "--yes"},
		} {
			if r := u.run("", args...); r.code != 5 {
				t.Errorf("want exit 5 (not found)\n%v", r)
			}
		}
	}
	for _, s := range []string{".", "..", "app:../A", "app:./A", "app:A/..", "app:%41"} {
		if r := u.run("", "secret", "delete", s, "--yes"); r.code != 5 {
			t.Errorf("want exit 5 (not found)\n%v", r)
		}
	}
	if r := u.run("", "group", "create", "../app", "--provider", "gcp", "--from-env", "A=W", "--yes"); r.code == 0 || e.groupExists(t, "../app") {
		t.Errorf("a group named ../app was created\n%v", r)
	}
	if got := e.stored(t, "app"); !maps.Equal(got, map[string]string{"A": u.env["V"]}) {
		t.Fatalf("group app changed: keys %v", keys(got))
	}

	r := u.must("", "secret", "get", "sm:path/like/../key", "-o", "json")
	var doc struct{ Secret struct{ Key string } }
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || doc.Secret.Key != "path/like/../key" {
		t.Fatalf("secret get: %v\n%v", err, r)
	}
	u.must("", "secret", "delete", "sm:path/like/../key", "--yes")
	if got := e.stored(t, "sm"); !maps.Equal(got, map[string]string{"a/b": u.env["W"]}) {
		t.Fatalf("after deleting path/like/../key: keys %v", keys(got))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(structural) != 0 {
		t.Fatalf("names became path segments: %q", structural)
	}
}

// TestLongTMPDIR: a TMPDIR too deep for a Unix socket address (108 bytes)
// is passed over for the plugin's socket instead of failing every command.
func TestLongTMPDIR(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	deep := filepath.Join(u.env["TMPDIR"], strings.Repeat("d", 100))
	if err := os.Mkdir(deep, 0o700); err != nil {
		t.Fatal(err)
	}
	u.env["TMPDIR"] = deep
	delete(u.env, "XDG_RUNTIME_DIR") // it would come before TMPDIR
	u.must("", "group", "list")
}
