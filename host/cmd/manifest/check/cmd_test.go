package check_test

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/host"
	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
	"github.com/tfy-secrets/tfy-secrets/host/iostreams"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/plugin"
	"github.com/tfy-secrets/tfy-secrets/plugin/plugintest"
)

// The tests run the command tree in-process one at a time, never with
// t.Parallel: urfave/cli/v2 keeps its help flag in package variables that
// every run mutates.

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// canaries are the plaintext values planted in testdata/repo: they must
// never come out, in any format, on any stream.
var canaries = []string{"cnry-pg-7Hq2Lx9", "cnry-whk-Zp4Rt8Vm", "cnryQ8x2Lm4Pz7Vt1Rb6Nw3Yk9Hs5Jd0F", "cnry-helm-Pw4Kd9Qs", "cnry-broken-Xv3Nq8", "cnry"}

// store is a fake tenant behind CheckRefs: groups and their keys, the
// groups the key may not read, and every request received.
type store struct {
	tenant     string
	source     plugin.TenantSource
	groups     map[string][]string // "tenant:group" -> keys
	unreadable map[string]bool
	err        error
}

func demoStore() *store {
	return &store{
		tenant: "demo", source: plugin.TenantFromKey,
		groups: map[string][]string{
			"demo:payments": {"DB_PASSWORD", "DATADOG-API-KEY", "REDIS_URL", "SIGNING_KEY"},
			"demo:web":      {"SESSION_SECRET"},
		},
		unreadable: map[string]bool{"demo:locked": true},
	}
}

func (s *store) service() *plugintest.Fake {
	return &plugintest.Fake{CheckRefsFunc: func(_ context.Context, req plugin.CheckRefsRequest) (plugin.CheckRefsResult, error) {
		if s.err != nil {
			return plugin.CheckRefsResult{}, s.err
		}
		out := plugin.CheckRefsResult{Tenant: s.tenant, TenantSource: s.source}
		for _, g := range req.Groups {
			a := plugin.GroupAnswer{FQN: g.FQN}
			keys, found := s.groups[g.FQN]
			switch {
			case !strings.HasPrefix(g.FQN, s.tenant+":") && s.source != plugin.TenantFromHost:
				a.Status = plugin.GroupOtherTenant
			case s.unreadable[g.FQN]:
				a.Status, a.FailureKind = plugin.GroupUnreadable, failure.Forbidden
				a.Message, a.Hint = `permission denied: check your API key's permissions on secret group "locked"`, "use a key that can read the group"
			case !found:
				a.Status = plugin.GroupNotFound
			default:
				a.Status = plugin.GroupFound
				for _, k := range g.Keys {
					ka := plugin.KeyAnswer{Key: k, Found: slices.Contains(keys, k)}
					for _, have := range keys {
						if !ka.Found && strings.EqualFold(strings.ReplaceAll(have, "-", "_"), strings.ReplaceAll(k, "-", "_")) {
							ka.Suggestion = have
						}
					}
					a.Keys = append(a.Keys, ka)
				}
			}
			out.Groups = append(out.Groups, a)
		}
		return out, nil
	}}
}

type outcome struct {
	code           int
	stdout, stderr string
	starts         int
	svc            *plugintest.Fake
}

// run runs tfy-secrets with args against the store (nil: the plugin must
// not start) and fails the test if a canary comes out.
func run(t *testing.T, s *store, stdin string, args ...string) outcome {
	t.Helper()
	ios, out, errOut := iostreams.Test(stdin)
	var o outcome
	var svc plugin.Service
	if s != nil {
		o.svc = s.service()
		svc = o.svc
	}
	o.code = host.Main(context.Background(), host.Process{
		Args:       append([]string{"tfy-secrets"}, args...),
		IOStreams:  ios,
		LookupEnv:  hosttest.Env(nil),
		Environ:    func() []string { return nil },
		Executable: func() (string, error) { return "/nonexistent/tfy-secrets", nil },
		LookPath:   func(string) (string, error) { return "", os.ErrNotExist },
		Start:      hosttest.Start(svc, &o.starts),
		Version:    "v9.9.9",
	})
	o.stdout, o.stderr = out.String(), errOut.String()
	for _, c := range canaries {
		if strings.Contains(o.stdout, c) || strings.Contains(o.stderr, c) {
			t.Errorf("%q: a planted value came out:\nstdout: %s\nstderr: %s", args, o.stdout, o.stderr)
		}
	}
	return o
}

func (o outcome) requests() []plugin.CheckRefsRequest {
	var out []plugin.CheckRefsRequest
	for _, c := range o.svc.Calls() {
		if r, ok := c.Request.(plugin.CheckRefsRequest); ok {
			out = append(out, r)
		}
	}
	return out
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s:\n%s", name, path, got)
	}
}

// TestFormats pins every output of one check of testdata/repo: a service
// and a job in one file, a Helm chart, a legacy servicefoundry.yaml, a file
// that is not YAML, a hidden directory and Helm templates that are not
// read. Every format exits 10 and shows no value.
func TestFormats(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"text", nil},
		{"github", []string{"--format", "github"}},
		{"sarif", []string{"--format", "sarif"}},
		{"json", []string{"-o", "json"}},
		{"yaml", []string{"-o", "yaml"}},
		{"strict", []string{"--strict"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := run(t, demoStore(), "", append([]string{"manifest", "check", "testdata/repo"}, tc.args...)...)
			if o.code != 10 || o.stderr != "" || o.starts != 1 {
				t.Fatalf("exit %d, %d plugin starts\nstdout: %s\nstderr: %s", o.code, o.starts, o.stdout, o.stderr)
			}
			golden(t, "check-"+tc.name, o.stdout)
		})
	}
}

// The JSON document is design section 3's, field for field.
func TestJSONDocument(t *testing.T) {
	o := run(t, demoStore(), "", "manifest", "check", "testdata/repo", "-o", "json")
	var doc struct {
		References []map[string]any `json:"references"`
		Plaintext  []map[string]any `json:"plaintext"`
		Errors     []map[string]any `json:"errors"`
		Summary    map[string]int   `json:"summary"`
	}
	if err := json.Unmarshal([]byte(o.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	for _, r := range doc.References {
		for _, f := range []string{"file", "line", "column", "document", "path", "ref", "status", "message", "hint"} {
			if _, ok := r[f]; !ok {
				t.Errorf("reference lacks %q: %v", f, r)
			}
		}
	}
	for _, p := range doc.Plaintext {
		for _, f := range []string{"file", "line", "column", "document", "path", "reason"} {
			if _, ok := p[f]; !ok {
				t.Errorf("plaintext lacks %q: %v", f, p)
			}
		}
	}
	want := map[string]int{"files": 5, "references": 18, "broken": 12, "plaintext": 4, "errors": 1}
	if !reflect.DeepEqual(doc.Summary, want) {
		t.Errorf("summary %v, want %v", doc.Summary, want)
	}
	statuses := map[string]int{}
	for _, r := range doc.References {
		statuses[r["status"].(string)]++
	}
	wantStatuses := map[string]int{"ok": 7, "malformed": 5, "key_not_found": 3, "group_not_found": 1, "wrong_tenant": 1, "unreadable": 1}
	if !reflect.DeepEqual(statuses, wantStatuses) {
		t.Errorf("statuses %v, want %v", statuses, wantStatuses)
	}
}

// One CheckRefs call names each distinct group once, with its distinct
// keys; malformed references are not looked up.
func TestOneCallForDistinctGroups(t *testing.T) {
	o := run(t, demoStore(), "", "manifest", "check", "testdata/repo")
	reqs := o.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d CheckRefs calls, want 1", len(reqs))
	}
	want := []plugin.RefGroup{
		{FQN: "demo:payments", Keys: []string{"REDIS_URL", "DB_PASSWORD", "DATADOG_API_KEY", "STRIPE_KEY"}},
		{FQN: "demo:web", Keys: []string{"SESSION_SECRET", "session_secret"}},
		{FQN: "acme:payments", Keys: []string{"LEGACY_TOKEN"}},
		{FQN: "demo:audit", Keys: []string{"TOKEN"}},
		{FQN: "demo:locked", Keys: []string{"KEY"}},
	}
	got := slices.Clone(reqs[0].Groups)
	for i := range got {
		slices.Sort(got[i].Keys)
	}
	for i := range want {
		slices.Sort(want[i].Keys)
	}
	slices.SortFunc(got, func(a, b plugin.RefGroup) int { return strings.Compare(a.FQN, b.FQN) })
	slices.SortFunc(want, func(a, b plugin.RefGroup) int { return strings.Compare(a.FQN, b.FQN) })
	if !reflect.DeepEqual(got, want) {
		t.Errorf("asked\n%v\nwant\n%v", got, want)
	}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	clean := write("clean.yaml", "name: a\ntype: service\nenv:\n  DB_PASSWORD: tfy-secret://demo:payments:DB_PASSWORD\n  LOG_LEVEL: info\n")
	plain := write("plain.yaml", "name: a\ntype: service\nenv:\n  DB_PASSWORD: cnry-plain-Zx81\n")
	noRefs := write("norefs.yaml", "name: a\ntype: service\nenv:\n  LOG_LEVEL: info\n")
	for _, tc := range []struct {
		name    string
		s       *store
		stdin   string
		args    []string
		code    int
		starts  int
		stdout  string
		stderr  string
		summary string
	}{
		{name: "clean", s: demoStore(), args: []string{clean}, code: 0, starts: 1, stdout: "1 file, 1 reference: 0 broken references, 0 plaintext credentials\n"},
		{name: "plaintext is a warning", s: demoStore(), args: []string{plain}, code: 0, starts: 0, stdout: "warning: env.DB_PASSWORD: plaintext credential (name matches PASSWORD)"},
		{name: "plaintext with --strict", s: demoStore(), args: []string{plain, "--strict"}, code: 10, stdout: "error: env.DB_PASSWORD: plaintext credential"},
		{name: "no references: no plugin", args: []string{noRefs}, code: 0, stdout: "1 file, 0 references"},
		{name: "stdin", s: demoStore(), stdin: "name: a\ntype: job\nenv:\n  K: tfy-secret://demo:payments:NOPE\n", args: []string{"-"}, code: 10, starts: 1,
			stdout: `<stdin>:4:6: error: env.K: secret group "payments" has no key "NOPE"`},
		{name: "not YAML", args: []string{write("bad.yaml", "env:\n  A: b: c\n")}, code: 10, stdout: "bad.yaml:2:7: error: not valid YAML: mapping values are not allowed in this context"},
		{name: "empty directory", args: []string{t.TempDir()}, code: 0, stdout: "0 files, 0 references", stderr: "warning: no *.yaml or *.yml files under"},
		{name: "no PATH", args: nil, code: 2, stderr: "error: missing argument: usage: tfy-secrets manifest check PATH..."},
		{name: "missing PATH", args: []string{filepath.Join(dir, "nope.yaml")}, code: 2, stderr: "does not exist"},
		{name: "stdin twice", args: []string{"-", "-"}, code: 2, stderr: "- (stdin) is given more than once"},
		{name: "unknown format", args: []string{clean, "--format", "junit"}, code: 2, stderr: `error: --format: unknown format "junit": use text, github or sarif`},
		{name: "two outputs", args: []string{clean, "--format", "sarif", "-o", "json"}, code: 2, stderr: "--format sarif and -o json are two outputs: choose one"},
		{name: "not logged in", s: &store{err: failure.New(failure.Unauthorized, "no API key for http://127.0.0.1:1").WithHint("log in")}, args: []string{clean}, code: 3, starts: 1,
			stderr: "error: manifest check: no API key for http://127.0.0.1:1\nhint: log in\n"},
		{name: "denied by policy", s: &store{err: failure.New(failure.Denied, "denied by policy: no checks today")}, args: []string{clean, "-o", "json"}, code: 7, starts: 1,
			stderr: `{"error":{"code":"policy_denied","message":"manifest check: denied by policy: no checks today"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := run(t, tc.s, tc.stdin, append([]string{"manifest", "check"}, tc.args...)...)
			if o.code != tc.code || !strings.Contains(o.stdout, tc.stdout) || !strings.Contains(o.stderr, tc.stderr) || (tc.s != nil && tc.starts != o.starts) {
				t.Fatalf("exit %d (want %d), %d plugin starts\nstdout: %s\nstderr: %s", o.code, tc.code, o.starts, o.stdout, o.stderr)
			}
			if tc.stderr == "" && o.stderr != "" {
				t.Errorf("unexpected stderr: %s", o.stderr)
			}
		})
	}
}

// A tenant only guessed from the host name is said to be a guess.
func TestGuessedTenant(t *testing.T) {
	s := demoStore()
	s.source = plugin.TenantFromHost
	o := run(t, s, "name: a\ntype: service\nenv:\n  K: tfy-secret://acme:payments:K\n", "manifest", "check", "-")
	if o.code != 10 || !strings.Contains(o.stdout, `(the login's tenant is only guessed from the host name: "demo")`) {
		t.Fatalf("exit %d\n%s%s", o.code, o.stdout, o.stderr)
	}
}

// A value that breaks the YAML, or sits next to what does, never appears
// in the error: the reader words its problems from a fixed vocabulary.
func TestMalformedInputShowsNoValue(t *testing.T) {
	for _, src := range []string{
		"name: a\ntype: service\nenv:\n  API_KEY: cnry-colon-Qw7: x\n",
		"name: a\ntype: service\nenv:\n  API_KEY: \"cnry-unterminated-Qw7\n",
		"name: a\ntype: service\nenv:\n  API_KEY: *cnry-alias-Qw7\n",
		"name: a\ntype: service\nenv:\n  API_KEY: [cnry-flow-Qw7\n",
		"name: a\ntype: service\nenv:\n\tAPI_KEY: cnry-tab-Qw7\n",
	} {
		o := run(t, nil, src, "manifest", "check", "-", "-o", "json")
		if o.code != 10 || !strings.Contains(o.stdout, `"errors": [`) || strings.Contains(o.stdout+o.stderr, "Qw7") {
			t.Errorf("%q: exit %d\n%s%s", src, o.code, o.stdout, o.stderr)
		}
	}
}
