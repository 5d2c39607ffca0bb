package e2e

import (
	"encoding/json"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
)

// TestDryRunSaysWhatTheRealRunNeeds: a dry run's plan carries the
// confirmation the real run will ask for, not "none".
func TestDryRunSaysWhatTheRealRunNeeds(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	u.env["V"], u.env["W"] = testkit.Canary("v-"), testkit.Canary("w-")
	u.must("", "group", "create", "planned", "--provider", "gcp", "--from-env", "A=V", "--from-env", "B=V", "--yes")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"group", "create", "other", "--provider", "gcp", "--from-env", "A=V"}, "yes"},
		{[]string{"group", "update", "planned", "--from-env", "A=W"}, "yes"},
		{[]string{"group", "update", "planned", "--from-env", "A=V"}, "none"}, // nothing would change
		{[]string{"secret", "delete", "planned:B"}, "yes"},
		{[]string{"group", "delete", "planned"}, "typed"},
	} {
		r := u.must("", append(tc.args, "--dry-run", "-o", "json")...)
		var doc struct {
			Plan struct{ Confirm string }
		}
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || doc.Plan.Confirm != tc.want {
			t.Errorf("%v: confirm %q, want %q (%v)", tc.args, doc.Plan.Confirm, tc.want, err)
		}
	}
}
