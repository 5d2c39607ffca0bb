package host

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// TestPolicyEvalDeniesWithExit7: a decision that denies is printed and the
// command exits 7, so `policy eval` can gate a CI step; one that does not
// deny exits 0 (issue 11, item 17).
func TestPolicyEvalDeniesWithExit7(t *testing.T) {
	denying := hosttest.Canned(hosttest.Answers{Decision: []byte(`{"deny":["key \"K\": a value typed inline is refused","second reason"],"warn":[],"confirm":"yes","mask":{}}`)})
	in := invocation{svc: denying, stdin: `{"operation":"group.create"}`}
	o := in.run(t, "policy", "eval", "--input", "-")
	o.expect(t, 7, `{"deny":["key \"K\": a value typed inline is refused","second reason"]`, `error: denied by policy: key "K": a value typed inline is refused; second reason`)
	if !strings.Contains(o.stderr, "hint: the decision on stdout lists every reason") {
		t.Fatalf("no hint: %s", o.stderr)
	}
	j := in.run(t, "policy", "eval", "--input", "-", "-o", "json")
	var doc errorDoc
	if err := json.Unmarshal([]byte(j.stderr), &doc); err != nil || j.code != 7 || doc.Error.Code != "policy_denied" {
		t.Fatalf("exit %d, %v: %s", j.code, err, j.stderr)
	}
	allowing := hosttest.Canned(hosttest.Answers{Decision: []byte(`{"deny":[],"warn":["w"],"confirm":"none","mask":{}}`)})
	invocation{svc: allowing, stdin: `{}`}.run(t, "policy", "eval", "--input", "-").expect(t, 0, `"warn":["w"]`, "")
}

// TestPolicyEvalInputLimit: the host refuses an input over the one limit
// every part shares, and passes one of exactly that size.
func TestPolicyEvalInputLimit(t *testing.T) {
	doc := func(n int) string {
		const head, tail = `{"operation":"group.list","pad":"`, `"}`
		return head + strings.Repeat("x", n-len(head)-len(tail)) + tail
	}
	svc := hosttest.Canned(hosttest.Answers{Decision: []byte(`{"deny":[]}`)})
	invocation{svc: svc, stdin: doc(plugin.MaxPolicyInput)}.run(t, "policy", "eval", "--input", "-").expect(t, 0, `{"deny":[]}`, "")
	if r := svc.Request("EvalPolicy").(plugin.PolicyEvalRequest); len(r.Input) != plugin.MaxPolicyInput {
		t.Fatalf("the plugin got %d bytes", len(r.Input))
	}
	o := invocation{stdin: doc(plugin.MaxPolicyInput + 1)}.run(t, "policy", "eval", "--input", "-")
	o.expect(t, 2, "", "--input -: larger than 1048576 bytes (1 MiB), the limit of a policy input")
}

// TestPolicyToolGetsTheFormat: -o json|yaml reaches the policy tool, and
// policy build's bundle path is --out, or -o when it is not a format.
func TestPolicyToolGetsTheFormat(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "tfy-secrets-policy"), "#!/bin/sh\necho \"policy-tool $*\"\n")
	in := invocation{exe: filepath.Join(dir, "tfy-secrets")}
	for args, want := range map[string]string{
		"policy test ./org":                     "policy-tool test ./org\n",
		"policy test ./org -o json":             "policy-tool test ./org -format json\n",
		"-o yaml policy test ./org":             "policy-tool test ./org -format yaml\n",
		"policy build ./org --out b.tar.gz":     "policy-tool build ./org -o b.tar.gz\n",
		"policy build ./org -o b.tar.gz":        "policy-tool build ./org -o b.tar.gz\n",
		"policy build ./org --out b -o json":    "policy-tool build ./org -o b -format json\n",
		"-o json policy build ./org --out json": "policy-tool build ./org -o json -format json\n",
	} {
		o := in.run(t, strings.Fields(args)...)
		if o.code != 0 || o.stdout != want {
			t.Errorf("%s: exit %d, stdout %q, want %q (stderr %q)", args, o.code, o.stdout, want, o.stderr)
		}
	}
	o := in.run(t, "policy", "build", "./org", "-o", "json")
	o.expect(t, 2, "", `{"error":{"code":"usage","message":"policy build needs --out BUNDLE: -o json is the output format"`)
}
