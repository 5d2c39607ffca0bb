package whereused_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/host"
	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
	"github.com/tfy-secrets/tfy-secrets/host/iostreams"
)

// The tests run the command tree in-process one at a time (urfave/cli/v2
// keeps its help flag in package variables).

const canary = "cnry-where-4Rm8Ws2"

type outcome struct {
	code           int
	stdout, stderr string
	starts         int
}

// run runs tfy-secrets in dir with no plugin available: where-used must
// never need it.
func run(t *testing.T, stdin string, args ...string) outcome {
	t.Helper()
	ios, out, errOut := iostreams.Test(stdin)
	var o outcome
	o.code = host.Main(context.Background(), host.Process{
		Args:       append([]string{"tfy-secrets"}, args...),
		IOStreams:  ios,
		LookupEnv:  hosttest.Env(nil),
		Environ:    func() []string { return nil },
		Executable: func() (string, error) { return "/nonexistent/tfy-secrets", nil },
		LookPath:   func(string) (string, error) { return "", os.ErrNotExist },
		Start:      hosttest.Start(nil, &o.starts),
		Version:    "v9.9.9",
	})
	o.stdout, o.stderr = out.String(), errOut.String()
	if strings.Contains(o.stdout+o.stderr, canary) {
		t.Errorf("a planted value came out:\n%s%s", o.stdout, o.stderr)
	}
	if o.starts != 0 {
		t.Errorf("where-used started the plugin")
	}
	return o
}

func repo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"truefoundry.yaml": "name: api\ntype: service\nenv:\n  DB_PASSWORD: tfy-secret://demo:payments:DB_PASSWORD\n  API_KEY: tfy-secret://demo:payments:API_KEY\n" +
			"  SECRET: " + canary + "\n---\nname: job\ntype: job\nenv:\n  DB_PASSWORD: tfy-secret://demo:payments:DB_PASSWORD\n",
		"deploy/web.yaml": "name: web\ntype: service\nenv:\n  TOKEN: tfy-secret://demo:web:TOKEN\nmounts:\n  - type: secret\n    mount_path: /k\n    secret_fqn: demo:payments:DB_PASSWORD\n",
		"deploy/bad.yaml": "env:\n  K: " + canary + ": x\n",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestWhereUsed(t *testing.T) {
	t.Chdir(repo(t))
	o := run(t, "", "where-used", "payments:DB_PASSWORD", ".")
	want := "deploy/web.yaml:8    mounts[0].secret_fqn  tfy-secret://demo:payments:DB_PASSWORD\n" +
		"truefoundry.yaml:4   env.DB_PASSWORD       tfy-secret://demo:payments:DB_PASSWORD\n" +
		"truefoundry.yaml:11  env.DB_PASSWORD       tfy-secret://demo:payments:DB_PASSWORD\n"
	if o.code != 0 || o.stdout != want {
		t.Fatalf("exit %d\nstdout:\n%s\nwant:\n%s\nstderr: %s", o.code, o.stdout, want, o.stderr)
	}
	if !strings.Contains(o.stderr, "warning: deploy/bad.yaml:2: not valid YAML: mapping values are not allowed in this context; its references are not listed") {
		t.Errorf("stderr: %s", o.stderr)
	}
	o = run(t, "", "where-used", "demo:payments", "-o", "json")
	if o.code != 0 || strings.Count(o.stdout, `"ref":`) != 4 || !strings.HasPrefix(o.stdout, "{\n  \"uses\": [\n    {\n      \"file\": ") {
		t.Fatalf("exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	for _, field := range []string{`"file"`, `"line"`, `"path"`, `"ref"`} {
		if !strings.Contains(o.stdout, field) {
			t.Errorf("the document lacks %s:\n%s", field, o.stdout)
		}
	}
}

// The default PATH is the current directory; stdin works as for check.
func TestWhereUsedDefaultsAndStdin(t *testing.T) {
	dir := repo(t)
	t.Chdir(dir)
	o := run(t, "", "where-used", "web")
	if o.code != 0 || o.stdout != "deploy/web.yaml:4  env.TOKEN  tfy-secret://demo:web:TOKEN\n" {
		t.Fatalf("exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	o = run(t, "name: a\ntype: job\nenv:\n  K: tfy-secret://demo:web:TOKEN\n", "where-used", "tfy-secret://demo:web:TOKEN", "-", "-o", "yaml")
	if o.code != 0 || !strings.Contains(o.stdout, "file: <stdin>") || !strings.Contains(o.stdout, "line: 4") {
		t.Fatalf("exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	o = run(t, "", "where-used", "nowhere", "deploy")
	if o.code != 0 || o.stdout != "" || !strings.Contains(o.stderr, `no manifest in 2 files references secret group "nowhere"`) {
		t.Fatalf("exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
	o = run(t, "", "where-used", "nowhere", "-o", "json")
	if o.code != 0 || o.stdout != "{\n  \"uses\": []\n}\n" {
		t.Fatalf("exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
}

func TestWhereUsedUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{nil, "error: missing argument: usage: tfy-secrets where-used GROUP[:KEY] [PATH...]"},
		{[]string{"a::b"}, "error: GROUP[:KEY] has an empty part around ':'"},
		{[]string{"DB_PASSWORD=" + canary}, "error: GROUP[:KEY] holds '=' or '/'"},
		{[]string{"g", "/nonexistent/dir"}, `error: PATH "/nonexistent/dir" does not exist`},
	} {
		o := run(t, "", append([]string{"where-used"}, tc.args...)...)
		if o.code != 2 || !strings.Contains(o.stderr, tc.stderr) {
			t.Errorf("%q: exit %d\n%s%s", tc.args, o.code, o.stdout, o.stderr)
		}
	}
}
