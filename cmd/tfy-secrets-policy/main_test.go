package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
	"github.com/tfy-secrets/tfy-secrets/policies"
)

func TestMain(m *testing.M) {
	os.Exit(testkit.Run(m))
}

func runArgs(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func writePolicy(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		nil, {"frobnicate"}, {"test"}, {"test", "a", "b"}, {"build", "dir"}, {"build", "-o", "x"},
		{"build", "a", "b", "-o", "x"}, {"build", "dir", "-o"}, {"build", "dir", "--bogus"},
	} {
		code, _, stderr := runArgs(t, args...)
		if code != 2 {
			t.Errorf("%q: exit %d, want 2 (stderr %q)", args, code, stderr)
		}
		if stderr == "" {
			t.Errorf("%q: nothing on stderr", args)
		}
	}
}

// TestErrorsHideValues: a KEY=VALUE typed where a command or a directory
// goes is repeated without its value.
func TestErrorsHideValues(t *testing.T) {
	t.Parallel()
	const value = "canary-policy-tool-2c9a"
	for _, args := range [][]string{{"K=" + value}, {"test", "K=" + value}} {
		code, _, stderr := runArgs(t, args...)
		if code == 0 || strings.Contains(stderr, value) || !strings.Contains(stderr, "K=…") {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr)
		}
	}
}

func TestTestCommand(t *testing.T) {
	t.Parallel()
	code, stdout, _ := runArgs(t, "test", "../../policies/examples/prod-delete")
	if code != 0 || !strings.Contains(stdout, "4 passed, 0 failed") {
		t.Fatalf("passing suite: exit %d, stdout:\n%s", code, stdout)
	}
	failing := writePolicy(t, map[string]string{
		"p.rego":      "package p\n\nx := 1\n",
		"p_test.rego": "package p_test\n\nimport data.p\n\ntest_ok if p.x == 1\n\ntest_wrong if p.x == 2\n",
	})
	code, stdout, stderr := runArgs(t, "test", failing)
	if code != 10 || !strings.Contains(stdout, "FAIL  data.p_test.test_wrong") || !strings.Contains(stderr, "1 policy test(s) failed") {
		t.Fatalf("failing suite: exit %d, stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	broken := writePolicy(t, map[string]string{"p.rego": "package p\n\nx := \n"})
	if code, _, stderr := runArgs(t, "test", broken); code != 1 || !strings.Contains(stderr, "p.rego") {
		t.Fatalf("unparsable policy: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runArgs(t, "test", filepath.Join(t.TempDir(), "missing")); code != 2 || !strings.Contains(stderr, "missing does not exist") {
		t.Fatalf("missing dir: exit %d, stderr %q", code, stderr)
	}
}

func TestBuildRefusesWhatThePluginWouldRefuse(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "b.tar.gz")
	noEntry := writePolicy(t, map[string]string{"p.rego": "package other\n\nd := 1\n"})
	if code, _, stderr := runArgs(t, "build", noEntry, "-o", out); code != 1 || !strings.Contains(stderr, "tfy/secrets/decision") {
		t.Fatalf("no entrypoint: exit %d, stderr %q", code, stderr)
	}
	unsupported := writePolicy(t, map[string]string{"p.rego": "package tfy.secrets\n\ndecision := {\"warn\": [sprintf(\"%d\", [time.now_ns()])]}\n"})
	code, _, stderr := runArgs(t, "build", unsupported, "-o", out)
	if code != 1 || !strings.Contains(stderr, "time.now_ns") {
		t.Fatalf("unsupported builtin: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("a refused bundle was left behind: %v", err)
	}
}

// The real binary, as the host execs it: build an example, then load the
// bundle with the engine the plugin uses.
func TestBinaryBuildsALoadableBundle(t *testing.T) {
	t.Parallel()
	dir, err := testkit.Commands("tfy-secrets-policy")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "tfy-secrets-policy")
	bundle := filepath.Join(t.TempDir(), "org.tar.gz")
	cmd := exec.Command(bin, "build", "-o", bundle, "../../policies/examples/upper-kebab")
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "wrote "+bundle) {
		t.Fatalf("build: %v\n%s", err, out)
	}
	e, err := policies.New(context.Background(), policies.Options{Bundle: bundle, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(context.Background())
	d, err := e.Decide(context.Background(), policydoc.Input{
		Operation: "group.create",
		Changes:   []policydoc.Change{{Key: "lower_case", Action: "add", Source: "env", Length: 3}},
	})
	if err != nil || len(d.Deny) != 1 || !strings.Contains(d.Deny[0], "UPPER-KEBAB-CASE") {
		t.Fatalf("decision with the built bundle: %+v, %v", d, err)
	}
	if code := exec.Command(bin, "test", "../../policies/examples/upper-kebab").Run(); code != nil {
		t.Fatalf("test: %v", code)
	}
}
