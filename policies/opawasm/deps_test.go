package opawasm

import (
	"os/exec"
	"strings"
	"testing"
)

// The evaluator runs in the plugin, which must start fast: OPA itself (its
// compiler, topdown, and their dependencies) may only be linked into tests.
func TestDoesNotDependOnOPA(t *testing.T) {
	t.Parallel()
	for _, pkg := range []string{".", "./internal/firstdecision"} {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 10 {
			t.Fatalf("go list -deps %s listed only %v", pkg, deps)
		}
		for _, d := range deps {
			if strings.Contains(d, "open-policy-agent") {
				t.Errorf("%s depends on %s", pkg, d)
			}
		}
	}
}
