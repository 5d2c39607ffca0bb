package cmdutil

import (
	"context"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/host/iostreams"
	"github.com/tfy-secrets/tfy-secrets/host/render"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/plugin"
	"github.com/tfy-secrets/tfy-secrets/plugin/plugintest"
)

// Mutate follows the globals it is given: --dry-run prints the plan in the
// output format and applies nothing, --yes stands in for the prompt, and
// without either there is no terminal to confirm on.
func TestMutateFollowsItsGlobals(t *testing.T) {
	t.Parallel()
	plan := plugin.Plan{ID: "p1", Operation: plugin.OpGroupUpdate, Group: "app", Confirm: plugin.ConfirmYes,
		Changes: []plugin.PlannedChange{{Key: "A", Action: plugin.ActionAdd}}}
	for _, tc := range []struct {
		g       Globals
		methods string
		stdout  string
		kind    failure.Kind
	}{
		{Globals{Output: render.JSON, DryRun: true}, "PlanMutation", `"group": "app"`, ""},
		{Globals{Output: render.JSON, Yes: true}, "PlanMutation ApplyPlan", "{", ""},
		{Globals{Output: render.Table}, "PlanMutation", "", failure.NotConfirmed},
	} {
		ios, out, _ := iostreams.Test("")
		fake := &plugintest.Fake{
			PlanMutationFunc: func(context.Context, plugin.MutationRequest) (plugin.Plan, error) { return plan, nil },
			ApplyPlanFunc: func(context.Context, plugin.ApplyRequest) (plugin.Result, error) {
				return plugin.Result{Group: "app"}, nil
			},
		}
		s := Session{IO: ios, Service: func(context.Context) (plugin.Service, error) { return fake, nil }}
		err := Mutate(t.Context(), s, tc.g, plugin.MutationRequest{Call: tc.g.Call(false), Operation: plugin.OpGroupUpdate, Group: "app"})
		var methods []string
		for _, c := range fake.Calls() {
			methods = append(methods, c.Method)
		}
		if (tc.kind == "") != (err == nil) || (err != nil && failure.KindOf(err) != tc.kind) || strings.Join(methods, " ") != tc.methods || !strings.Contains(out.String(), tc.stdout) {
			t.Errorf("%+v: %v, calls %v, stdout %q", tc.g, err, methods, out.String())
		}
	}
}
