package manifests

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// pluginAnswer is CheckRefs' answer for tenant demo holding group app with
// keys A and B-KEY; asked groups are answered in turn.
func pluginAnswer(asked ...plugin.RefGroup) plugin.CheckRefsResult {
	out := plugin.CheckRefsResult{Tenant: "demo", TenantSource: plugin.TenantFromKey}
	for _, g := range asked {
		a := plugin.GroupAnswer{FQN: g.FQN, Status: plugin.GroupNotFound}
		if g.FQN == "demo:app" {
			a.Status = plugin.GroupFound
			for _, k := range g.Keys {
				ka := plugin.KeyAnswer{Key: k, Found: k == "A" || k == "B-KEY"}
				if k == "B_KEY" {
					ka.Suggestion = "B-KEY"
				}
				a.Keys = append(a.Keys, ka)
			}
		}
		out.Groups = append(out.Groups, a)
	}
	return out
}

func scanOf(t *testing.T, files ...string) *Scan {
	t.Helper()
	var s Scan
	for i, src := range files {
		if err := s.Add(string(rune('a'+i))+".yaml", []byte(src), nil); err != nil {
			t.Fatal(err)
		}
	}
	return &s
}

func text(t *testing.T, r *Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := r.WriteText(&b, false); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Findings come in file order, then by line and column, whatever order
// the reader met the values in; an anchor's value used by several paths
// is one finding per path, all at the anchor.
func TestCheckOrdersFindingsAndFollowsAnchors(t *testing.T) {
	t.Parallel()
	s := scanOf(t, `name: a
type: async-service
worker_config:
  input_config:
    type: sqs
    auth:
      aws_secret_access_key: tfy-secret://demo:app:A
env: &common
  Z_KEY: tfy-secret://demo:app:B_KEY
  A_KEY: tfy-secret://demo:app:A
`, `name: b
type: application-set
components:
  - name: one
    type: service
    env: *common
  - name: two
    type: service
    env:
      <<: *common
`)
	r := s.Check(pluginAnswer(s.Groups()...), false)
	want := `a.yaml:7:30: note: worker_config.input_config.auth.aws_secret_access_key: the key exists, but TrueFoundry's sources do not say whether the platform resolves a reference in this place
  hint: the sources do not say whether references resolve here; check with tfy apply --dry-run before relying on one
a.yaml:9:10: error: env.Z_KEY: secret group "app" has no key "B_KEY"
  hint: did you mean "B-KEY"? write tfy-secret://demo:app:B-KEY
b.yaml:6:10: error: not valid YAML: an alias refers to an anchor that is not defined before it
2 files, 3 references: 1 broken reference, 1 file not checked, 0 plaintext credentials: check failed
`
	if got := text(t, r); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if r.References[0].Status != StatusOK || r.References[0].Hint == "" {
		t.Errorf("a reference in a place of unknown support: %+v", r.References[0])
	}
	// Anchors shared within one file.
	s = scanOf(t, `name: b
type: application-set
components:
  - name: one
    type: service
    env: &common
      K: tfy-secret://demo:app:B_KEY
  - name: two
    type: service
    env: *common
`)
	r = s.Check(pluginAnswer(s.Groups()...), false)
	if len(r.References) != 2 || r.References[0].Line != r.References[1].Line || r.References[0].Path == r.References[1].Path {
		t.Fatalf("anchored references: %+v", r.References)
	}
}

func TestCheckWithoutAnAnswerForAGroup(t *testing.T) {
	t.Parallel()
	s := scanOf(t, "name: a\ntype: service\nenv:\n  K: tfy-secret://demo:app:A\n")
	r := s.Check(plugin.CheckRefsResult{Tenant: "demo"}, false)
	if r.References[0].Status != StatusUnreadable || !r.Failed() {
		t.Fatalf("got %+v", r.References[0])
	}
}

func TestStrictMakesPlaintextErrors(t *testing.T) {
	t.Parallel()
	s := scanOf(t, "name: a\ntype: service\nenv:\n  API_TOKEN: cnry-strict-Lk3\n  URL: https://u:cnry-pw-Lk3@h/x\n")
	loose, strict := s.Check(pluginAnswer(), false), s.Check(pluginAnswer(), true)
	if loose.Failed() || !strict.Failed() || loose.Plaintext[0].Severity != SeverityWarning || strict.Plaintext[0].Severity != SeverityError {
		t.Fatalf("loose %+v\nstrict %+v", loose, strict)
	}
	out := text(t, strict)
	if !strings.Contains(out, "error: env.API_TOKEN: plaintext credential (name matches TOKEN)") ||
		!strings.Contains(out, "error: env.URL: plaintext credential (https URL with password)") || strings.Contains(out, "Lk3") {
		t.Fatalf("got\n%s", out)
	}
}

// GitHub reads a workflow command up to the end of its line: a name with a
// line break or a ':' in it must not end the command or a property early.
func TestGitHubEscaping(t *testing.T) {
	t.Parallel()
	var s Scan
	if err := s.Add("odd,name:\n::error::x.yaml", []byte("a: [\n"), nil); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := s.Check(pluginAnswer(), false).WriteGitHub(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "::error file=odd%2Cname%3A%0A%3A%3Aerror%3A%3Ax.yaml,line=") {
		t.Fatalf("got %q", lines)
	}
}

func TestArtifactURI(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{
		"deploy/app.yaml":   "deploy/app.yaml",
		"./deploy/app.yaml": "deploy/app.yaml",
		"my app/a b.yaml":   "my%20app/a%20b.yaml",
		"/abs/app.yaml":     "file:///abs/app.yaml",
		"c:x.yaml":          "./c:x.yaml",
		StdinName:           "%3Cstdin%3E",
	} {
		if got := artifactURI(name); got != want {
			t.Errorf("artifactURI(%q) = %q, want %q", name, got, want)
		}
	}
}
