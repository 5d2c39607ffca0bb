package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
)

// TestTwoWritersOnOneMachine: two `group update` processes of one user race
// on a group while the first one's write is held by the API. The second
// waits for the first (the per-group lock), then sees the first one's new
// key and stops with a conflict instead of deleting it. Without the lock
// both exited 0 and the first writer's key was gone.
func TestTwoWritersOnOneMachine(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	u.env["V1"], u.env["VA"], u.env["VB"] = testkit.Canary("v1-"), testkit.Canary("va-"), testkit.Canary("vb-")
	u.must("", "group", "create", "shared", "--provider", "gcp", "--from-env", "K1=V1", "--yes")
	e.control(t, http.MethodPost, "/_emulator/faults", map[string]any{"method": "PUT", "pathPrefix": "/api/svc/v1/secret-groups/", "delay": "3s", "count": 1})

	first := make(chan result, 1)
	go func() { first <- u.run("", "group", "update", "shared", "--from-env", "KA=VA", "--yes") }()
	// Once the fault is taken, the first writer's PUT is being held, and
	// it holds the group's lock.
	waitFaultsUsed(t, e)
	second := u.run("", "group", "update", "shared", "--from-env", "KB=VB", "--yes")
	a := <-first
	if a.code != 0 {
		t.Fatalf("first writer: %v", a)
	}
	if second.code != 6 || !strings.Contains(second.stderr, "changed since the plan was made (added: KA)") || !strings.Contains(second.stderr, "nothing was written") {
		t.Fatalf("second writer: %v", second)
	}
	got := e.stored(t, "shared")
	if ks := keys(got); !slices.Equal(sorted(ks), []string{"K1", "KA"}) || got["KA"] != u.env["VA"] || got["K1"] != u.env["V1"] {
		t.Fatalf("stored keys %v", ks)
	}
}

func sorted(s []string) []string {
	slices.Sort(s)
	return s
}
