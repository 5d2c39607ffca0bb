package main

import (
	"bufio"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// emulator starts the real tfy-emulator on a free loopback port and returns
// the environment a user would export (TFY_BASE_URL, TFY_API_KEY). It waits
// for the emulator's readiness line, never for a fixed time.
func emulator(t *testing.T) []string {
	t.Helper()
	cmd := exec.Command(filepath.Join(filepath.Dir(bin), "tfy-emulator"), "--addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start emulator: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	var env []string
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "tfy-emulator listening on http://127.0.0.1:") {
			continue
		}
		if kv, ok := strings.CutPrefix(line, "export "); ok {
			env = append(env, kv)
		}
		if len(env) == 2 {
			break
		}
	}
	if len(env) != 2 {
		t.Fatalf("emulator did not print its environment: %v", sc.Err())
	}
	go func() {
		for sc.Scan() { // keep the pipe drained
		}
	}()
	return env
}

// TestEndToEnd drives the real host, plugin (verified by checksum, over
// gRPC) and emulator (over HTTP) through a group's life, with canary values
// that must never come out.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	const dbCanary = "canary-e2e-db-7d1e5f3a9b"
	const keyCanary = "canary-e2e-api-4c8b2e6f0a"
	env := append(emulator(t),
		"DB_PASSWORD="+dbCanary,
		"HOME="+t.TempDir(), // no stored login or credentials.json of the machine's user
		"TFY_SECRETS_PLUGIN="+filepath.Join(filepath.Dir(bin), "tfy-secrets-plugin"),
		"NO_COLOR=1",
	)
	step := func(stdin string, code int, args ...string) result {
		t.Helper()
		r := run(t, env, stdin, bin, args...)
		if r.code != code {
			t.Fatalf("%v: exit %d, want %d\nstdout %s\nstderr %s", args, r.code, code, r.stdout, r.stderr)
		}
		for _, c := range []string{dbCanary, keyCanary} {
			if strings.Contains(r.stdout+r.stderr, c) {
				t.Fatalf("%v: a value came out:\n%s\n%s", args, r.stdout, r.stderr)
			}
		}
		return r
	}
	var status map[string]string
	decode(t, step("", 0, "auth", "status", "-o", "json").stdout, &status)
	if status["tenant"] != "demo" || status["key"] != "(set)" || status["key_source"] == "" {
		t.Fatalf("status %v", status)
	}

	r := step("", 0, "group", "create", "my-app", "--provider", "azure", "--from-env", "DB-PASSWORD=DB_PASSWORD", "--yes")
	if !strings.Contains(r.stdout, `Created secret group "my-app" (verified)`) || !strings.Contains(r.stderr, "+ DB-PASSWORD   add   from env DB_PASSWORD") {
		t.Fatalf("create:\n%s\n%s", r.stdout, r.stderr)
	}
	var list struct {
		Groups []struct {
			Name        string `json:"name"`
			SecretCount int    `json:"secret_count"`
		} `json:"groups"`
	}
	decode(t, step("", 0, "-o", "json", "list").stdout, &list)
	if len(list.Groups) != 1 || list.Groups[0].Name != "my-app" || list.Groups[0].SecretCount != 1 {
		t.Fatalf("list %+v", list)
	}

	// Without a terminal and without --yes nothing is written.
	step(keyCanary, 8, "group", "update", "my-app", "--from-file", "API-KEY=-")
	var plan struct {
		Plan struct {
			Changes []struct{ Key, Action string } `json:"changes"`
		} `json:"plan"`
	}
	decode(t, step(keyCanary, 0, "group", "update", "my-app", "--from-file", "API-KEY=-", "--dry-run", "-o", "json").stdout, &plan)
	if len(plan.Plan.Changes) != 2 {
		t.Fatalf("plan %+v", plan)
	}
	step(keyCanary, 0, "group", "update", "my-app", "--from-file", "API-KEY=-", "-y")

	var detail struct {
		Secrets []struct{ Key, Masked string } `json:"secrets"`
	}
	decode(t, step("", 0, "group", "get", "my-app", "-o", "json").stdout, &detail)
	if len(detail.Secrets) != 2 || detail.Secrets[0].Masked != "(set)" || detail.Secrets[1].Masked != "(set)" {
		t.Fatalf("detail %+v", detail)
	}
	if ref := step("", 0, "ref", "my-app", "DB-PASSWORD").stdout; ref != "tfy-secret://demo:my-app:DB-PASSWORD\n" {
		t.Fatalf("ref %q", ref)
	}

	// Group delete demands the typed name; --yes alone is not enough.
	step("", 8, "group", "delete", "my-app", "--yes")
	step("", 0, "group", "delete", "my-app", "--yes", "--confirm-name", "my-app")
	r = step("", 5, "group", "get", "my-app")
	if !strings.Contains(r.stderr, "error: ") {
		t.Fatalf("not found: %s", r.stderr)
	}
}

func decode(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
}
