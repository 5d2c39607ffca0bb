package service

import (
	"context"
	"encoding/json"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

func planUpdateReq(group string, changes ...plugin.Change) plugin.MutationRequest {
	return plugin.MutationRequest{Call: call(), Operation: plugin.OpGroupUpdate, Group: group, Changes: changes}
}

func TestUpdateMergeKeepsOtherKeys(t *testing.T) {
	t.Parallel()
	h := newHarness()
	g := h.api.add("app", map[string]string{"A": "old-a", "B": "old-b", "C": "old-c"})
	ctx := context.Background()
	p, err := h.svc.PlanMutation(ctx, planUpdateReq("app", change("B", "new-b"), change("D", "new-d")))
	if err != nil {
		t.Fatal(err)
	}
	if p.Confirm != plugin.ConfirmYes || p.Group != "app" || p.GroupFQN != "demo:app" || p.Store != "azure/vault" {
		t.Fatalf("plan = %+v", p)
	}
	res, err := h.svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: call(), PlanID: p.ID, Confirmed: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Verified || len(res.Changes) != 4 {
		t.Fatalf("result = %+v", res)
	}
	want := map[string]string{"A": "old-a", "B": "new-b", "C": "old-c", "D": "new-d"}
	if !maps.Equal(g.keys, want) {
		t.Fatalf("stored = %v, want %v", g.keys, want)
	}
}

func TestUpdateReplaceAndUnset(t *testing.T) {
	t.Parallel()
	h := newHarness()
	g := h.api.add("app", map[string]string{"A": "a", "B": "b", "C": "c"})
	ctx := context.Background()
	req := planUpdateReq("app", change("A", "a2"))
	req.Replace = true
	p, err := h.svc.PlanMutation(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	removed := 0
	for _, c := range p.Changes {
		if c.Action == plugin.ActionRemove {
			removed++
		}
	}
	if removed != 2 {
		t.Fatalf("replace plan lists %d removals, want 2: %+v", removed, p.Changes)
	}
	if _, err := h.svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: call(), PlanID: p.ID, Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(g.keys, map[string]string{"A": "a2"}) {
		t.Fatalf("stored = %v", g.keys)
	}
}

// A key added by someone else between plan and apply must survive: the
// apply stops with a conflict instead of writing the planned full set.
func TestApplyConflictWhenGroupChanged(t *testing.T) {
	t.Parallel()
	h := newHarness()
	g := h.api.add("app", map[string]string{"A": "a", "B": "b"})
	ctx := context.Background()
	p, err := h.svc.PlanMutation(ctx, planUpdateReq("app", change("A", "a2")))
	if err != nil {
		t.Fatal(err)
	}
	h.api.mu.Lock()
	g.set(h.api, "THEIRS", "t")
	h.api.mu.Unlock()
	_, err = h.svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: call(), PlanID: p.ID, Confirmed: true})
	if failure.KindOf(err) != failure.Conflict || !strings.Contains(err.Error(), "changed since the plan was made") || !strings.Contains(err.Error(), "THEIRS") {
		t.Fatalf("err = %v", err)
	}
	if h.api.callCount("UpdateGroup") != 0 {
		t.Fatal("update was sent despite the conflict")
	}
	if g.keys["THEIRS"] != "t" || g.keys["A"] != "a" {
		t.Fatalf("stored = %v", g.keys)
	}
	// The plan is consumed: a second apply cannot write the stale plan.
	if _, err := h.svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: call(), PlanID: p.ID, Confirmed: true}); failure.KindOf(err) != failure.Usage {
		t.Fatalf("second apply: %v", err)
	}
}

func TestApplyVerifyMismatch(t *testing.T) {
	t.Parallel()
	h := newHarness()
	g := h.api.add("app", map[string]string{"A": "a", "B": "b"})
	h.api.afterUpdate = func(f *fakeAPI) error {
		delete(g.keys, "B") // the server loses a key it was told to keep
		return nil
	}
	ctx := context.Background()
	p, err := h.svc.PlanMutation(ctx, planUpdateReq("app", change("A", "a2")))
	if err != nil {
		t.Fatal(err)
	}
	res, err := h.svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: call(), PlanID: p.ID, Confirmed: true})
	if failure.KindOf(err) != failure.Conflict || !strings.Contains(err.Error(), "lost keys right after this write: B (kept by this command)") || res.Verified {
		t.Fatalf("res = %+v, err = %v", res, err)
	}
}

func TestApplyAmbiguousWriteIsReportedNotRetried(t *testing.T) {
	t.Parallel()
	lost := &APIError{Op: "update secret group", Err: context.DeadlineExceeded, Message: "timeout awaiting response", Kind: ErrUnavailable}
	tests := []struct {
		name   string
		before func(f *fakeAPI) error
		after  func(f *fakeAPI) error
		want   string
	}{
		{name: "applied, answer lost", after: func(*fakeAPI) error { return lost }, want: "most likely applied"},
		{name: "never arrived", before: func(*fakeAPI) error { return lost }, want: "keys are unchanged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness()
			h.api.add("app", map[string]string{"A": "a", "B": "b"})
			h.api.beforeUpdate, h.api.afterUpdate = tt.before, tt.after
			ctx := context.Background()
			req := planUpdateReq("app")
			req.Unset = []string{"B"}
			p, err := h.svc.PlanMutation(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			_, err = h.svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: call(), PlanID: p.ID, Confirmed: true})
			if failure.KindOf(err) != failure.Unavailable || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v", err)
			}
			if n := h.api.callCount("UpdateGroup"); n != 1 {
				t.Fatalf("update sent %d times, want exactly once", n)
			}
		})
	}
}

func TestConfirmationEnforced(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		op        plugin.Operation
		confirmed bool
		typed     string
		ok        bool
	}{
		{"update unconfirmed", plugin.OpGroupUpdate, false, "", false},
		{"update confirmed", plugin.OpGroupUpdate, true, "", true},
		{"delete yes only", plugin.OpGroupDelete, true, "", false},
		{"delete wrong name", plugin.OpGroupDelete, true, "ap", false},
		{"delete typed but not confirmed", plugin.OpGroupDelete, false, "app", false},
		{"delete typed", plugin.OpGroupDelete, true, "app", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness()
			h.api.add("app", map[string]string{"A": "a", "B": "b"})
			req := plugin.MutationRequest{Call: call(), Operation: tt.op, Group: "app"}
			if tt.op == plugin.OpGroupUpdate {
				req.Unset = []string{"B"}
			}
			ctx := context.Background()
			p, err := h.svc.PlanMutation(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			_, err = h.svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: call(), PlanID: p.ID, Confirmed: tt.confirmed, TypedName: tt.typed})
			if tt.ok && err != nil {
				t.Fatal(err)
			}
			if !tt.ok && failure.KindOf(err) != failure.NotConfirmed {
				t.Fatalf("err = %v, want not confirmed", err)
			}
			writes := h.api.callCount("UpdateGroup") + h.api.callCount("DeleteGroup")
			if tt.ok != (writes == 1) {
				t.Fatalf("%d writes", writes)
			}
		})
	}
}

func TestGroupDeleteVerifiesGone(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.api.add("app", map[string]string{"A": "a", "B": "b"})
	ctx := context.Background()
	p, err := h.svc.PlanMutation(ctx, plugin.MutationRequest{Call: call(), Operation: plugin.OpGroupDelete, Group: "app"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Confirm != plugin.ConfirmTyped || len(p.Changes) != 2 || p.Changes[0].Action != plugin.ActionRemove {
		t.Fatalf("plan = %+v", p)
	}
	res, err := h.svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: call(), PlanID: p.ID, Confirmed: true, TypedName: "app"})
	if err != nil || !res.Verified {
		t.Fatalf("res = %+v err = %v", res, err)
	}
	if len(h.api.groups) != 0 {
		t.Fatal("group still stored")
	}
}

func TestSecretDelete(t *testing.T) {
	t.Parallel()
	h := newHarness()
	g := h.api.add("app", map[string]string{"A": "a", "B": "b"})
	ctx := context.Background()
	p, err := h.svc.PlanMutation(ctx, plugin.MutationRequest{Call: call(), Operation: plugin.OpSecretDelete, Secret: "tfy-secret://demo:app:A"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: call(), PlanID: p.ID, Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(g.keys, map[string]string{"B": "b"}) {
		t.Fatalf("stored = %v", g.keys)
	}
	_, err = h.svc.PlanMutation(ctx, plugin.MutationRequest{Call: call(), Operation: plugin.OpSecretDelete, Secret: "app:B"})
	if failure.KindOf(err) != failure.Usage || !strings.Contains(err.Error(), "last key") {
		t.Fatalf("deleting the last key: %v", err)
	}
}

func TestCreate(t *testing.T) {
	t.Parallel()
	h := newHarness()
	ctx := context.Background()
	req := plugin.MutationRequest{Call: call(), Operation: plugin.OpGroupCreate, Group: "new-app", Changes: []plugin.Change{change("K", "v")}}
	p, err := h.svc.PlanMutation(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if p.IntegrationFQN != "demo:azure:acct:secret-store:vault" || p.GroupFQN != "demo:new-app" {
		t.Fatalf("plan = %+v", p)
	}
	res, err := h.svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: call(), PlanID: p.ID, Confirmed: true})
	if err != nil || !res.Verified {
		t.Fatalf("res = %+v err = %v", res, err)
	}
	// The name now exists: a second plan refuses before any value is sent.
	_, err = h.svc.PlanMutation(ctx, req)
	if failure.KindOf(err) != failure.Conflict || failure.As(err).Hint == "" {
		t.Fatalf("second create: %v", err)
	}
	req.Changes = nil
	if _, err := h.svc.PlanMutation(ctx, req); !strings.Contains(err.Error(), "include at least one secret") {
		t.Fatalf("zero secrets: %v", err)
	}
}

func TestCreateExplainedByProvider(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.api.failOn["CreateGroup"] = &APIError{Op: "create secret group", Status: 409, Message: "Secret K is already in a deleted state", Kind: ErrConflict, Detail: "409 Conflict: " + "Secret K is already in a deleted state"}
	ctx := context.Background()
	p, err := h.svc.PlanMutation(ctx, plugin.MutationRequest{Call: call(), Operation: plugin.OpGroupCreate, Group: "g", Changes: []plugin.Change{change("K", "v")}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: call(), PlanID: p.ID, Confirmed: true})
	if failure.KindOf(err) != failure.Conflict || !strings.Contains(failure.As(err).Hint, "purge") {
		t.Fatalf("err = %v (hint %q)", err, failure.As(err).Hint)
	}
}

func TestPolicyDenyStopsBeforeAnyWrite(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.api.add("app", map[string]string{"A": "a"})
	req := planUpdateReq("app", plugin.Change{Key: "A", Source: plugin.SourceLiteral, Value: change("A", "x").Value})
	_, err := h.svc.PlanMutation(context.Background(), req)
	if failure.KindOf(err) != failure.Denied || !strings.Contains(err.Error(), "key A: values typed on the command line are refused") {
		t.Fatalf("err = %v", err)
	}
	if len(h.svc.plans) != 0 || h.api.callCount("UpdateGroup") != 0 {
		t.Fatal("a denied plan was kept or written")
	}
}

func TestDryRunKeepsNothing(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.api.add("app", map[string]string{"A": "a"})
	req := planUpdateReq("app", change("A", "b"))
	req.DryRun = true
	p, err := h.svc.PlanMutation(context.Background(), req)
	if err != nil || p.ID != "" || len(h.svc.plans) != 0 {
		t.Fatalf("plan = %+v, err = %v, kept %d", p, err, len(h.svc.plans))
	}
}

func TestPlanExpires(t *testing.T) {
	t.Parallel()
	h := newHarness()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h.svc.opts.Now = func() time.Time { return now }
	h.api.add("app", map[string]string{"A": "a"})
	p, err := h.svc.PlanMutation(context.Background(), planUpdateReq("app", change("A", "b")))
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(planTTL + time.Second)
	if _, err := h.svc.ApplyPlan(context.Background(), plugin.ApplyRequest{Call: call(), PlanID: p.ID, Confirmed: true}); failure.KindOf(err) != failure.Usage {
		t.Fatalf("expired plan applied: %v", err)
	}
}

func TestPolicyEngineBuiltOnce(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.api.add("app", map[string]string{"A": "a"})
	for range 3 {
		if _, err := h.svc.GetGroup(context.Background(), plugin.GetGroupRequest{Call: call(), Group: "app"}); err != nil {
			t.Fatal(err)
		}
	}
	if h.builds != 1 {
		t.Fatalf("policy engine built %d times", h.builds)
	}
}

func TestPlanInputHasLengthsOnly(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.api.add("app", map[string]string{"A": "a"})
	if _, err := h.svc.PlanMutation(context.Background(), planUpdateReq("app", change("A", "0123456789"))); err != nil {
		t.Fatal(err)
	}
	var in policydoc.Input
	if err := json.Unmarshal([]byte(h.dec.inputs[0]), &in); err != nil {
		t.Fatal(err)
	}
	if in.Operation != plugin.OpGroupUpdate || len(in.Changes) != 1 || in.Changes[0].Length != 10 || in.Changes[0].Action != plugin.ActionRotate ||
		in.Integration.Provider != "azure" || !in.Context.Yes {
		t.Fatalf("input = %s", h.dec.inputs[0])
	}
}

func TestAmbiguousCreateAndSecretDelete(t *testing.T) {
	t.Parallel()
	lost := &APIError{Op: "x", Message: "connection reset", Kind: ErrUnavailable}
	ctx := context.Background()

	h := newHarness()
	h.api.failOn["CreateGroup"] = lost
	p, err := h.svc.PlanMutation(ctx, plugin.MutationRequest{Call: call(), Operation: plugin.OpGroupCreate, Group: "g", Changes: []plugin.Change{change("K", "v")}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: call(), PlanID: p.ID, Confirmed: true})
	if failure.KindOf(err) != failure.Unavailable || !strings.Contains(err.Error(), "it was not created") {
		t.Fatalf("lost create: %v", err)
	}

	h = newHarness()
	h.api.add("app", map[string]string{"A": "a", "B": "b"})
	h.api.failOn["DeleteSecret"] = lost
	p, err = h.svc.PlanMutation(ctx, plugin.MutationRequest{Call: call(), Operation: plugin.OpSecretDelete, Secret: "app:A"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: call(), PlanID: p.ID, Confirmed: true})
	if failure.KindOf(err) != failure.Unavailable || !strings.Contains(err.Error(), "still exists") {
		t.Fatalf("lost secret delete: %v", err)
	}
}

func TestManifestMigrate(t *testing.T) {
	t.Parallel()
	h := newHarness()
	g := h.api.add("app", map[string]string{"A": "a", "B": "b"})
	ctx := context.Background()
	migrate := func(group string, changes ...plugin.Change) (plugin.Plan, error) {
		p, err := h.svc.PlanMutation(ctx, plugin.MutationRequest{Call: call(), Operation: plugin.OpManifestMigrate, Group: group, Changes: changes, Overwrite: true})
		if err != nil {
			return p, err
		}
		_, err = h.svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: call(), PlanID: p.ID, Confirmed: true})
		return p, err
	}
	manifest := func(k, v string) plugin.Change {
		return plugin.Change{Key: k, Source: plugin.SourceManifest, Origin: "manifest env " + k, Value: change(k, v).Value}
	}
	// An existing group is merged into: B rotates, C is added, A is kept.
	p, err := migrate("app", manifest("B", "b2"), manifest("C", "c"))
	if err != nil || p.Operation != plugin.OpManifestMigrate {
		t.Fatalf("plan %+v, %v", p, err)
	}
	if !maps.Equal(g.keys, map[string]string{"A": "a", "B": "b2", "C": "c"}) {
		t.Fatalf("stored = %v", g.keys)
	}
	// A missing group is created.
	if _, err := migrate("fresh", manifest("K", "v")); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := h.api.GroupByFQN(ctx, "demo:fresh"); !found {
		t.Fatal("migrate did not create the group")
	}
	if !strings.Contains(h.dec.inputs[0], `"operation":"manifest.migrate"`) {
		t.Fatalf("policy saw %s", h.dec.inputs[0])
	}
	if _, err := migrate("app"); failure.KindOf(err) != failure.Usage {
		t.Fatalf("empty migration: %v", err)
	}
}

// The host keeps no value for an inline KEY=VALUE, so the change arrives
// without one; it must still reach policy and be denied there (exit 7),
// not fail earlier as a usage error.
func TestInlineValueWithoutValueReachesPolicy(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.api.add("app", map[string]string{"A": "a"})
	req := planUpdateReq("app", plugin.Change{Key: "B", Source: plugin.SourceLiteral})
	_, err := h.svc.PlanMutation(context.Background(), req)
	if failure.KindOf(err) != failure.Denied || !strings.Contains(err.Error(), "key B") {
		t.Fatalf("err = %v, want a policy denial naming key B", err)
	}
	if len(h.svc.plans) != 0 || h.api.callCount("UpdateGroup") != 0 {
		t.Fatal("a denied plan was kept or written")
	}
}

// A write cut short by the caller's deadline is still diagnosed: the
// re-read runs on its own short context.
func TestDeadlineDuringWriteStillDiagnosed(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.api.add("app", map[string]string{"A": "a", "B": "b"})
	ctx, cancel := context.WithCancel(context.Background())
	h.api.afterUpdate = func(*fakeAPI) error {
		cancel() // the user gives up while the server applies the write
		return &APIError{Op: "update secret group", Err: context.Canceled, Message: "context canceled", Kind: ErrUnavailable}
	}
	req := planUpdateReq("app")
	req.Unset = []string{"B"}
	p, err := h.svc.PlanMutation(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: call(), PlanID: p.ID, Confirmed: true})
	if failure.KindOf(err) != failure.Unavailable || !strings.Contains(err.Error(), "most likely applied") {
		t.Fatalf("err = %v", err)
	}
}

// A --timeout that runs out while the policies load (first compile after an
// install) is a timeout, exit 9, not a broken bundle (exit 1).
func TestPolicyLoadTimeoutIsUnavailable(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.svc.opts.LoadPolicy = func(ctx context.Context, _ string, _ json.RawMessage) (Policy, error) {
		<-ctx.Done()
		return nil, failure.Wrap(failure.Config, ctx.Err(), "load policy: compile: "+ctx.Err().Error())
	}
	c := call()
	c.Timeout = 20 * time.Millisecond
	err := h.svc.ListGroups(context.Background(), plugin.ListGroupsRequest{Call: c}, func(plugin.Group) error { return nil })
	if failure.KindOf(err) != failure.Unavailable || !strings.Contains(failure.As(err).Hint, "--timeout") {
		t.Fatalf("err = %v (%s), want unavailable with a --timeout hint", err, failure.KindOf(err))
	}
}
