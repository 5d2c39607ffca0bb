package service

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/secret"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

func plannedActions(p plugin.Plan) map[string]plugin.Action {
	out := map[string]plugin.Action{}
	for _, c := range p.Changes {
		out[c.Key] = c.Action
	}
	return out
}

// A value equal to the stored one is "unchanged": nothing is written for
// it, and a plan in which nothing changes writes nothing at all and needs
// no confirmation.
func TestUnchangedValueWritesNothing(t *testing.T) {
	t.Parallel()
	h := newHarness()
	g := h.api.add("app", map[string]string{"A": "same-a", "B": "old-b"})
	ctx := context.Background()

	p, err := h.svc.PlanMutation(ctx, planUpdateReq("app", change("A", "same-a")))
	if err != nil {
		t.Fatal(err)
	}
	if got := plannedActions(p); got["A"] != plugin.ActionUnchanged || got["B"] != plugin.ActionKeep || p.Confirm != plugin.ConfirmNone {
		t.Fatalf("plan: %v, confirm %q", got, p.Confirm)
	}
	res, err := h.svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: call(), PlanID: p.ID})
	if err != nil || !res.Verified {
		t.Fatalf("apply: %+v, %v", res, err)
	}
	if n := h.api.callCount("UpdateGroup"); n != 0 {
		t.Fatalf("%d writes for a plan that changes nothing", n)
	}

	// With one real change, the unchanged key travels without a value.
	p, err = h.svc.PlanMutation(ctx, planUpdateReq("app", change("A", "same-a"), change("B", "new-b")))
	if err != nil {
		t.Fatal(err)
	}
	if got := plannedActions(p); got["A"] != plugin.ActionUnchanged || got["B"] != plugin.ActionRotate || p.Confirm != plugin.ConfirmYes {
		t.Fatalf("plan: %v, confirm %q", got, p.Confirm)
	}
	if p.Changes[0].Key != "B" || p.Changes[1].Key != "A" {
		t.Fatalf("order: rotations first, then unchanged values: %v", p.Changes)
	}
	if _, err := h.svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: call(), PlanID: p.ID, Confirmed: true}); err != nil {
		t.Fatal(err)
	}
	sent := map[string]bool{}
	for _, w := range h.api.lastWrite {
		sent[w.Key] = w.Value.IsSet()
	}
	if len(sent) != 2 || sent["A"] || !sent["B"] || g.keys["A"] != "same-a" || g.keys["B"] != "new-b" {
		t.Fatalf("sent with a value: %v; stored: %v", sent, g.keys)
	}
}

// Where the control plane hides values nothing can be compared: every named
// key is rotated, and the plan says why.
func TestUnchangedNeedsReadableValues(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.api.add("app", map[string]string{"A": "same-a"})
	h.api.valueHidden = true
	p, err := h.svc.PlanMutation(context.Background(), planUpdateReq("app", change("A", "same-a")))
	if err != nil {
		t.Fatal(err)
	}
	if plannedActions(p)["A"] != plugin.ActionRotate || len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "hides values") {
		t.Fatalf("plan: %+v", p)
	}
}

// After the write the group is read back; what another writer did right
// after it is reported: a key of ours removed (an error naming it), a key
// added (a warning), a value changed (an error).
func TestVerifyReportsOtherWriters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		after    func(g *fakeGroup, f *fakeAPI)
		kind     failure.Kind // "" for success
		message  string
		hint     string
		warning  string
		verified bool
	}{
		{"our new key removed", func(g *fakeGroup, f *fakeAPI) { delete(g.keys, "NEW") }, failure.Conflict,
			`lost keys right after this write: NEW (written by this command)`, "run this command again to write NEW again", "", false},
		{"a kept key removed", func(g *fakeGroup, f *fakeAPI) { delete(g.keys, "B") }, failure.Conflict,
			`B (kept by this command)`, "never read the values of B", "", false},
		{"a key added after", func(g *fakeGroup, f *fakeAPI) { g.set(f, "LATE", "theirs") }, "",
			"", "", "another writer added LATE", true},
		{"our value changed", func(g *fakeGroup, f *fakeAPI) { g.keys["NEW"] = "theirs" }, failure.Conflict,
			"does not hold the value written for NEW", "secret versions app:NEW", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness()
			g := h.api.add("app", map[string]string{"A": "a", "B": "b"})
			h.api.afterUpdate = func(f *fakeAPI) error { tc.after(g, f); return nil }
			ctx := context.Background()
			p, err := h.svc.PlanMutation(ctx, planUpdateReq("app", change("NEW", "new-value"), change("A", "a2")))
			if err != nil {
				t.Fatal(err)
			}
			res, err := h.svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: call(), PlanID: p.ID, Confirmed: true})
			if tc.kind == "" {
				if err != nil || res.Verified != tc.verified || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], tc.warning) {
					t.Fatalf("res = %+v, err = %v", res, err)
				}
				return
			}
			fe := failure.As(err)
			if fe.Kind != tc.kind || !strings.Contains(fe.Message, tc.message) || !strings.Contains(fe.Hint, tc.hint) {
				t.Fatalf("err = %v (hint %q)", err, fe.Hint)
			}
			if strings.Contains(fe.Message+fe.Hint, "new-value") || strings.Contains(fe.Message+fe.Hint, "theirs") {
				t.Fatal("a value reached the error")
			}
		})
	}
}

// Where values are hidden, a write is verified by its keys and says so.
func TestVerifyWithHiddenValues(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.api.add("app", map[string]string{"A": "a"})
	h.api.valueHidden = true
	ctx := context.Background()
	p, err := h.svc.PlanMutation(ctx, planUpdateReq("app", change("NEW", "new-value")))
	if err != nil {
		t.Fatal(err)
	}
	res, err := h.svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: call(), PlanID: p.ID, Confirmed: true})
	if err != nil || !res.Verified || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "only the keys were verified") {
		t.Fatalf("res = %+v, err = %v", res, err)
	}
}

// fakeLocks records which locks Apply takes and when it releases them.
type fakeLocks struct {
	mu     sync.Mutex
	events []string
	err    error
}

func (l *fakeLocks) Lock(_ context.Context, name string) (func(), error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return nil, l.err
	}
	l.events = append(l.events, "lock "+name)
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.events = append(l.events, "release "+name)
	}, nil
}

// Apply holds the group's lock around its re-read, write and verification;
// a lock held elsewhere stops the write (exit 6), and a lock directory that
// cannot be used lets it go on with a warning.
func TestApplyHoldsTheGroupLock(t *testing.T) {
	t.Parallel()
	h := newHarness()
	locks := &fakeLocks{}
	h.svc.opts.Locks = locks
	g := h.api.add("app", map[string]string{"A": "a"})
	var during []string
	h.api.beforeUpdate = func(*fakeAPI) error {
		locks.mu.Lock()
		during = slices.Clone(locks.events)
		locks.mu.Unlock()
		return nil
	}
	ctx := context.Background()
	apply := func() (plugin.Result, error) {
		p, err := h.svc.PlanMutation(ctx, planUpdateReq("app", change("A", rotateValue())))
		if err != nil {
			t.Fatal(err)
		}
		return h.svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: call(), PlanID: p.ID, Confirmed: true})
	}
	if _, err := apply(); err != nil {
		t.Fatal(err)
	}
	name := "https://demo.truefoundry.cloud\x00group\x00" + g.id
	if !slices.Equal(during, []string{"lock " + name}) || !slices.Equal(locks.events, []string{"lock " + name, "release " + name}) {
		t.Fatalf("during the write %q, in all %q", during, locks.events)
	}

	locks.err = &LockBusy{Holder: 4242}
	before := h.api.callCount("UpdateGroup")
	_, err := apply()
	if fe := failure.As(err); fe.Kind != failure.Conflict || !strings.Contains(fe.Message, "pid 4242") || !strings.Contains(fe.Message, "nothing was written") {
		t.Fatalf("busy: %v", err)
	}
	if h.api.callCount("UpdateGroup") != before {
		t.Fatal("wrote although another process held the lock")
	}

	locks.err = errors.New("lock directory: read-only file system")
	res, err := apply()
	if err != nil || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "read-only file system") {
		t.Fatalf("unusable lock directory: %+v, %v", res, err)
	}
}

var rotations struct {
	mu sync.Mutex
	n  int
}

// rotateValue is a value no earlier call used, so each plan rotates.
func rotateValue() string {
	rotations.mu.Lock()
	defer rotations.mu.Unlock()
	rotations.n++
	return strings.Repeat("r", rotations.n)
}

// A value that is not UTF-8 would be altered on its way to TrueFoundry (JSON
// strings carry text): it is refused before anything is written, naming the
// key and where it came from, never the value.
func TestNonUTF8ValueRefused(t *testing.T) {
	t.Parallel()
	h := newHarness()
	g := h.api.add("app", map[string]string{"A": "a"})
	bin := plugin.Change{Key: "CERT", Source: plugin.SourceFile, Origin: "file ./cert.der", Value: secret.FromString("ok\xff\xfeCANARY-bytes")}
	for _, req := range []plugin.MutationRequest{
		planUpdateReq("app", bin),
		{Call: call(), Operation: plugin.OpGroupCreate, Group: "new", Changes: []plugin.Change{bin}},
	} {
		_, err := h.svc.PlanMutation(context.Background(), req)
		fe := failure.As(err)
		if fe.Kind != failure.Usage || !strings.Contains(fe.Message, `key "CERT" (from file ./cert.der) is not UTF-8 text (byte 2`) ||
			!strings.Contains(fe.Hint, "--from-file CERT=PATH --encoding base64") || strings.Contains(fe.Message+fe.Hint, "CANARY") {
			t.Fatalf("%s: %v (hint %q)", req.Operation, err, fe.Hint)
		}
	}
	if h.api.callCount("UpdateGroup")+h.api.callCount("CreateGroup") != 0 || g.keys["A"] != "a" || len(g.keys) != 1 {
		t.Fatal("something was written")
	}
}

// An empty value is stored, with a plan warning naming its key.
func TestEmptyValueWarned(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.api.add("app", map[string]string{"A": "a"})
	empty := plugin.Change{Key: "EMPTY", Source: plugin.SourceEnv, Origin: "env EMPTY", Value: secret.FromString("")}
	p, err := h.svc.PlanMutation(context.Background(), planUpdateReq("app", empty))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Warnings) != 1 || p.Warnings[0] != `key "EMPTY" gets an empty value (from env EMPTY)` {
		t.Fatalf("warnings %q", p.Warnings)
	}
}

func TestWrittenAfter(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	ms := func(n int) time.Time { return base.Add(time.Duration(n) * time.Millisecond) }
	for _, c := range []struct {
		name       string
		wrote, got time.Time
		want       bool
	}{
		{"same instant", ms(120), ms(120), false},
		{"later, both with milliseconds", ms(120), ms(121), true},
		{"earlier", ms(121), ms(120), false},
		{"the write answered whole seconds, the read milliseconds", base, ms(450), false},
		{"the write answered milliseconds, the read whole seconds", ms(450), base, false},
		{"a second later in whole seconds", base, base.Add(time.Second), true},
		{"unknown", time.Time{}, ms(1), false},
	} {
		if got := writtenAfter(c.wrote, c.got); got != c.want {
			t.Errorf("%s: %v", c.name, got)
		}
	}
}

// An apply cut short (Ctrl-C, the deadline) before its write says nothing
// was written; one whose write was answered but whose read-back failed
// says it was applied but not verified.
func TestApplyEndingsAroundTheWrite(t *testing.T) {
	t.Parallel()
	h := newHarness()
	g := h.api.add("app", map[string]string{"A": "a"})
	plan := func() plugin.Plan {
		p, err := h.svc.PlanMutation(context.Background(), planUpdateReq("app", change("NEW", rotateValue())))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}

	p := plan()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h.api.mu.Lock()
	h.api.failOn["GroupByID"] = context.Canceled
	h.api.mu.Unlock()
	_, err := h.svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: call(), PlanID: p.ID, Confirmed: true})
	if fe := failure.As(err); fe.Kind != failure.Unavailable || !strings.Contains(fe.Message, "stopped before writing: nothing was written") {
		t.Fatalf("cancelled before the write: %v", err)
	}
	if _, ok := g.keys["NEW"]; ok {
		t.Fatal("written although cancelled")
	}

	h.api.mu.Lock()
	delete(h.api.failOn, "GroupByID")
	h.api.mu.Unlock()
	p = plan()
	h.api.afterUpdate = func(f *fakeAPI) error {
		f.failOn["GroupByID"] = &APIError{Op: "get secret group", Status: 503, Message: "down", Kind: ErrUnavailable, Detail: "503 Service Unavailable: " + "down"}
		return nil
	}
	_, err = h.svc.ApplyPlan(context.Background(), plugin.ApplyRequest{Call: call(), PlanID: p.ID, Confirmed: true})
	if fe := failure.As(err); fe.Kind != failure.Unavailable || !strings.Contains(fe.Message, "was applied (the API confirmed it) but could not be verified") ||
		!strings.Contains(fe.Hint, "tfy-secrets group get app") {
		t.Fatalf("read-back failed: %v", err)
	}
	if _, ok := g.keys["NEW"]; !ok {
		t.Fatal("the write did not happen")
	}
}
