package e2e

import (
	"net/http"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
)

// TestConcurrentWriterBetweenPlanAndApply: someone adds a key after our
// plan read the group; the update must stop with a conflict (exit 6)
// instead of deleting the newcomer, and nothing may be lost. The host waits
// at its confirmation prompt on a terminal, which is exactly the moment
// between plan and apply.
func TestConcurrentWriterBetweenPlanAndApply(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	a, b, d := testkit.Canary("a-"), testkit.Canary("b-"), testkit.Canary("d-")
	u.env["A"], u.env["B"], u.env["D"] = a, b, d
	u.must("", "group", "create", "racy", "--provider", "azure", "--from-env", "KEY-A=A", "--from-env", "KEY-B=B", "--yes")

	tm := u.startTerm("group", "update", "racy", "--from-env", "KEY-D=D", "--replace")
	tm.expect("Proceed? [y/N]")
	// Arm the emulator's concurrent writer and let it fire on a read of the
	// group by someone else.
	e.control(t, http.MethodPost, "/_emulator/concurrent-writer", map[string]string{"group": "racy", "addKey": "KEY-C"})
	e.api(t, http.MethodGet, "/api/svc/v1/secret-groups?fqn=demo:racy", nil, nil)
	tm.send("y\r")
	if code := tm.wait(); code != 6 {
		t.Fatalf("want a conflict (exit 6), got %d\n%s", code, tm.transcript())
	}
	got := e.stored(t, "racy")
	if got["KEY-A"] != a || got["KEY-B"] != b {
		t.Fatalf("original keys lost or changed: have keys %v", keys(got))
	}
	if _, ok := got["KEY-C"]; !ok {
		t.Fatalf("the concurrent writer's key was lost: have keys %v", keys(got))
	}
	if _, ok := got["KEY-D"]; ok {
		t.Fatal("the update was applied despite the conflict")
	}
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
