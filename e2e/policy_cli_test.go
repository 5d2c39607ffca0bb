package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPolicyCommandsAsAGate runs the policy commands through the real
// host, plugin and policy tool (issue 11, item 17): a denying decision
// exits 7, a missing directory is a usage error, -o json is honoured by
// `policy test`, and `policy build -o json` names the format, not a file.
func TestPolicyCommandsAsAGate(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	examples, err := filepath.Abs("../policies/examples/prod-delete")
	if err != nil {
		t.Fatal(err)
	}

	literal := `{"operation":"group.create","tenant":"demo","group":{"name":"app"},"changes":[{"key":"K","action":"add","source":"literal","length":5}],"context":{"client":"cli"}}`
	r := u.run(literal, "policy", "eval", "--input", "-")
	if r.code != 7 || !strings.Contains(r.stdout, `"deny":[`) || !strings.Contains(r.stderr, "error: denied by policy: ") {
		t.Fatalf("a denying decision must exit 7\n%v", r)
	}
	allowed := `{"operation":"group.list","tenant":"demo","context":{"client":"cli"}}`
	if r := u.run(allowed, "policy", "eval", "--input", "-"); r.code != 0 || !strings.Contains(r.stdout, `"deny":[]`) {
		t.Fatalf("an allowing decision must exit 0\n%v", r)
	}

	missing := filepath.Join(u.home, "no-such-policy")
	for _, args := range [][]string{{"policy", "test", missing}, {"policy", "build", missing, "--out", filepath.Join(u.home, "b.tar.gz")}} {
		if r := u.run("", args...); r.code != 2 || !strings.Contains(r.stderr, "no-such-policy does not exist") {
			t.Errorf("a missing directory must be a usage error\n%v", r)
		}
	}

	r = u.must("", "policy", "test", examples, "-o", "json")
	var tests struct {
		Tests   []struct{ Name, Status string }
		Summary struct{ Passed, Failed int }
	}
	if err := json.Unmarshal([]byte(r.stdout), &tests); err != nil || tests.Summary.Passed == 0 || tests.Summary.Failed != 0 || len(tests.Tests) != tests.Summary.Passed {
		t.Fatalf("policy test -o json: %v\n%v", err, r)
	}

	r = u.run("", "policy", "build", examples, "-o", "json")
	if r.code != 2 || !strings.Contains(r.stderr, "needs --out BUNDLE") {
		t.Fatalf("policy build -o json without --out must be a usage error\n%v", r)
	}
	if _, err := os.Stat(filepath.Join(u.home, "json")); !os.IsNotExist(err) {
		t.Fatalf("a file named json was written: %v", err)
	}
	bundle := filepath.Join(u.home, "org.tar.gz")
	r = u.must("", "policy", "build", examples, "--out", bundle, "-o", "json")
	var built struct{ Bundle string }
	if err := json.Unmarshal([]byte(r.stdout), &built); err != nil || built.Bundle != bundle {
		t.Fatalf("policy build -o json: %v\n%v", err, r)
	}
	legacy := filepath.Join(u.home, "legacy.tar.gz")
	if r := u.must("", "policy", "build", examples, "-o", legacy); !strings.Contains(r.stdout, "wrote "+legacy) {
		t.Fatalf("the documented -o BUNDLE form must still work\n%v", r)
	}
	if r := u.must("", "--policy", bundle, "group", "list"); r.code != 0 {
		t.Fatalf("the built bundle must load\n%v", r)
	}
}
