package cmdutil

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/host/iostreams"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/plugin"
	"github.com/tfy-secrets/tfy-secrets/plugin/plugintest"
)

// sigint is a signal cause as the launcher's *Interrupted is one.
type sigint struct{}

func (sigint) Error() string { return "interrupted (Ctrl-C)" }
func (sigint) ExitCode() int { return 130 }

func changes(keys map[string]plugin.Action) []plugin.PlannedChange {
	var out []plugin.PlannedChange
	for k, a := range keys {
		out = append(out, plugin.PlannedChange{Key: k, Action: a})
	}
	return out
}

func group(keys ...string) plugin.GroupDetail {
	d := plugin.GroupDetail{Group: plugin.Group{Name: "app"}}
	for _, k := range keys {
		d.Secrets = append(d.Secrets, plugin.SecretInfo{Key: k})
	}
	return d
}

var stopped = &failure.Error{Kind: failure.Unexpected, Message: "the tfy-secrets plugin stopped unexpectedly", Hint: "rerun with --debug", Err: plugin.ErrStopped}

// When the plugin gave no answer, a new plugin reads the group once and
// the message says what that read shows, for every kind of write: "may
// have been applied" unless the read proves it was.
func TestNoAnswerIsReportedFromAFreshRead(t *testing.T) {
	t.Parallel()
	notFound := failure.New(failure.NotFound, `secret group "app" not found`)
	update := plugin.Plan{Operation: plugin.OpGroupUpdate, Group: "app", GroupFQN: "demo:app",
		Changes: changes(map[string]plugin.Action{"A": plugin.ActionKeep, "B": plugin.ActionAdd, "C": plugin.ActionRemove})}
	rotate := plugin.Plan{Operation: plugin.OpGroupUpdate, Group: "app", Changes: changes(map[string]plugin.Action{"A": plugin.ActionRotate})}
	create := plugin.Plan{Operation: plugin.OpGroupCreate, Group: "app", Changes: changes(map[string]plugin.Action{"A": plugin.ActionAdd})}
	del := plugin.Plan{Operation: plugin.OpGroupDelete, Group: "app", Changes: changes(map[string]plugin.Action{"A": plugin.ActionRemove})}
	for _, tc := range []struct {
		name string
		plan plugin.Plan
		got  plugin.GroupDetail
		err  error
		want string
	}{
		{"update applied", update, group("A", "B"), nil, `the update of secret group "app" may have been applied: the group has exactly the planned keys (keys now: A, B), so most likely it was`},
		{"update not applied", update, group("A", "C"), nil, "may have been applied: the group's keys are unchanged (keys now: A, C), so most likely it was not, unless the request is still on its way"},
		{"update other", update, group("A", "D"), nil, "may have been applied: the group differs from both the plan and what was there before; missing planned keys: B; unplanned keys: D (keys now: A, D)"},
		{"rotation", rotate, group("A"), nil, "may have been applied: it leaves the keys as they were (keys now: A), so a read cannot tell whether values were rotated"},
		{"unreadable", update, plugin.GroupDetail{}, failure.New(failure.Unavailable, "TrueFoundry is unavailable"), "may have been applied; the group could not be read to tell (TrueFoundry is unavailable)"},
		{"create applied", create, group("A"), nil, `the creation of secret group "app" was applied: the group exists with every planned key (keys now: A)`},
		{"create absent", create, plugin.GroupDetail{}, notFound, "may have been applied, though a read just now does not find the group: it was not created, unless the request is still on its way"},
		{"delete applied", del, plugin.GroupDetail{}, notFound, `the deletion of secret group "app" was applied: the group is gone`},
		{"delete not applied", del, group("A"), nil, "may have been applied, though the group still exists (keys now: A)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ios, _, _ := iostreams.Test("")
			fake := &plugintest.Fake{GetGroupFunc: func(context.Context, plugin.GetGroupRequest) (plugin.GroupDetail, error) { return tc.got, tc.err }}
			starts, stops := 0, 0
			f := NewFactory(ios, func(context.Context, StartOptions) (plugin.Service, func(), error) {
				starts++
				return fake, func() { stops++ }, nil
			})
			s := f.Session(Globals{})
			if _, err := s.Service(t.Context()); err != nil {
				t.Fatal(err)
			}
			err := applyFailed(t.Context(), s.Restart, plugin.Call{}, tc.plan, stopped)
			fe := failure.As(err)
			if fe.Kind != failure.Unexpected || !strings.HasPrefix(fe.Message, "the tfy-secrets plugin stopped unexpectedly; ") || !strings.Contains(fe.Message, tc.want) {
				t.Fatalf("message %q\nwant it to contain %q", fe.Message, tc.want)
			}
			if fe.Hint != "check with: tfy-secrets group get app; rerun with --debug" {
				t.Fatalf("hint %q", fe.Hint)
			}
			if starts != 2 || stops != 1 {
				t.Fatalf("starts %d stops %d: want the old plugin stopped and a new one started", starts, stops)
			}
			if req := fake.Calls()[0].Request.(plugin.GetGroupRequest); tc.plan.GroupFQN != "" && req.Group != tc.plan.GroupFQN {
				t.Fatalf("read %q", req.Group)
			}
		})
	}
}

// After a signal the exit code is the signal's, whether the plugin
// answered (its report is kept) or not (the fresh read is reported).
func TestSignalledApplyKeepsTheSignalsExitCode(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancelCause(t.Context())
	cancel(sigint{})
	plan := plugin.Plan{Operation: plugin.OpGroupUpdate, Group: "app", Changes: changes(map[string]plugin.Action{"A": plugin.ActionAdd})}
	ios, _, _ := iostreams.Test("")
	fake := &plugintest.Fake{GetGroupFunc: func(context.Context, plugin.GetGroupRequest) (plugin.GroupDetail, error) { return group(), nil }}
	restart := NewFactory(ios, func(context.Context, StartOptions) (plugin.Service, func(), error) { return fake, func() {}, nil }).Session(Globals{}).Restart

	answer := failure.New(failure.Unavailable, "group.update was sent but got no answer; it may have been applied").WithHint("check")
	err := applyFailed(ctx, restart, plugin.Call{}, plan, answer)
	st, ok := errors.AsType[*Stopped](err)
	if !ok || st.Code != 130 || st.Err.Message != "interrupted (Ctrl-C) while the change was being applied: group.update was sent but got no answer; it may have been applied" || st.Err.Hint != "check" {
		t.Fatalf("answered: %#v", err)
	}
	if len(fake.Calls()) != 0 {
		t.Fatal("the plugin answered, yet the group was read again")
	}

	gone := &failure.Error{Kind: failure.Unavailable, Message: "the tfy-secrets plugin gave no answer within 8s and was stopped", Err: plugin.ErrStopped}
	err = applyFailed(ctx, restart, plugin.Call{}, plan, gone)
	st, ok = errors.AsType[*Stopped](err)
	if !ok || st.Code != 130 || !strings.HasPrefix(st.Err.Message, "interrupted (Ctrl-C) while the change was being applied; the tfy-secrets plugin gave no answer within 8s and was stopped; the update") {
		t.Fatalf("no answer: %#v", err)
	}
}
