package service

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// TestCanaryValuesNeverEscape drives every operation, successes and
// failures, with unique values and checks that none of them appears in what
// leaves the service: returned documents, errors and hints, policy inputs and
// debug logs.
func TestCanaryValuesNeverEscape(t *testing.T) {
	t.Parallel()
	h := newHarness()
	stored := testkit.Canary("CANARY-stored-")
	fresh := testkit.Canary("CANARY-fresh-")
	h.api.add("app", map[string]string{"OLD": stored, "KEEP": stored + "-2"})
	ctx := context.Background()
	var seen []string
	note := func(v any, err error) {
		b, _ := json.Marshal(v)
		seen = append(seen, string(b), fmt.Sprintf("%+v %#v", v, v))
		if err != nil {
			e := failure.As(err)
			seen = append(seen, err.Error(), e.Message, e.Hint, fmt.Sprintf("%+v", err))
		}
	}
	c := call()
	c.ShowPrefix = true

	note(h.svc.GetGroup(ctx, plugin.GetGroupRequest{Call: c, Group: "app"}))
	note(h.svc.GetSecret(ctx, plugin.SecretRequest{Call: c, Secret: "app:OLD"}))
	note(h.svc.ListSecretVersions(ctx, plugin.SecretRequest{Call: c, Secret: "app:OLD"}))
	// A literal value is denied; the refusal names the key only.
	note(h.svc.PlanMutation(ctx, planUpdateReq("app", plugin.Change{Key: "LIT", Source: plugin.SourceLiteral, Value: change("LIT", fresh).Value})))
	// Usage errors about the changes.
	note(h.svc.PlanMutation(ctx, planUpdateReq("app", change("DUP", fresh), change("DUP", fresh))))
	for _, op := range []plugin.Operation{plugin.OpGroupCreate, plugin.OpGroupUpdate} {
		req := plugin.MutationRequest{Call: call(), Operation: op, Group: "app", Changes: []plugin.Change{change("OLD", fresh), change("NEW", fresh)}}
		if op == plugin.OpGroupCreate {
			req.Group = "other"
		}
		p, err := h.svc.PlanMutation(ctx, req)
		note(p, err)
		note(h.svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: call(), PlanID: p.ID, Confirmed: true}))
	}
	// Failing writes: a server error and a lost answer.
	h.api.beforeUpdate = func(*fakeAPI) error {
		return &APIError{Op: "update secret group", Status: 422, Message: "Value is required", Kind: ErrUnprocessable, Detail: "422 Unprocessable Entity: " + "Value is required"}
	}
	p, err := h.svc.PlanMutation(ctx, planUpdateReq("app", change("OLD", fresh)))
	note(p, err)
	note(h.svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: call(), PlanID: p.ID, Confirmed: true}))
	h.api.beforeUpdate = func(*fakeAPI) error {
		return &APIError{Op: "update secret group", Message: "connection reset", Kind: ErrUnavailable}
	}
	p, err = h.svc.PlanMutation(ctx, planUpdateReq("app", change("OLD", fresh)))
	note(p, err)
	note(h.svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: call(), PlanID: p.ID, Confirmed: true}))
	note(h.svc.Login(ctx, plugin.LoginRequest{Call: call(), Key: change("K", fresh).Value}))

	seen = append(seen, h.debug.String())
	seen = append(seen, h.dec.inputs...)
	if len(h.dec.inputs) < 8 || h.debug.Len() == 0 {
		t.Fatalf("the test did not exercise policy (%d inputs) or debug logging (%d bytes)", len(h.dec.inputs), h.debug.Len())
	}
	all := strings.Join(seen, "\n")
	for _, canary := range []string{stored, fresh, stored[4:], fresh[4:]} {
		if strings.Contains(all, canary) {
			t.Fatalf("a value escaped:\n%s", all)
		}
	}
	if !strings.Contains(all, "CANA***") {
		t.Fatal("--show-prefix did not show a prefix; the masking path was not exercised")
	}
}
