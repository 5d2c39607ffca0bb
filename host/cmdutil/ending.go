package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// Once Apply is sent, the write may be on its way whatever ends the
// command, so every ending says so. The plugin reports what its write left
// behind when it still can (it re-reads the group; the launcher gives it a
// grace after Ctrl-C, SIGTERM or the host's deadline). When it cannot (it
// crashed, hung, was stopped or killed), the host asks a new plugin for
// one read of the group and reports that.

// Stopped is a mutation ended by a signal after Apply was sent. Its exit
// code is the signal's (130 for SIGINT, 143 for SIGTERM), and Err says
// what became of the write.
type Stopped struct {
	Code int
	Err  *failure.Error
}

func (e *Stopped) Error() string { return e.Err.Error() }
func (e *Stopped) Unwrap() error { return e.Err }

// RereadBound bounds the start of a new plugin and its one read of the
// group after the first plugin gave no answer.
const RereadBound = 10 * time.Second

// applyFailed turns what ended an Apply into the command's error.
// restart starts a new plugin for the read of what the write left behind.
func applyFailed(ctx context.Context, restart func(context.Context) (plugin.Service, error), call plugin.Call, plan plugin.Plan, err error) error {
	signal := signalOf(ctx)
	if !errors.Is(err, plugin.ErrStopped) {
		// The plugin answered: it knows best what it did.
		if signal == nil {
			return fmt.Errorf("apply: %w", err)
		}
		answer := failure.As(err)
		return &Stopped{Code: signal.ExitCode(), Err: &failure.Error{
			Kind:    answer.Kind,
			Message: signal.Error() + " while the change was being applied: " + answer.Message,
			Hint:    answer.Hint,
			Err:     err,
		}}
	}
	// No answer: the plugin crashed, or the launcher killed it after its
	// bound or grace. What the write did is read through a new plugin.
	ending := failure.As(err)
	state := reread(ctx, restart, call, plan)
	out := &failure.Error{
		Kind:    ending.Kind,
		Message: ending.Message + "; " + state,
		Hint:    "check with: tfy-secrets group get " + plan.Group,
		Err:     err,
	}
	if ending.Hint != "" {
		out.Hint += "; " + ending.Hint
	}
	if signal == nil {
		return out
	}
	out.Message = signal.Error() + " while the change was being applied; " + out.Message
	return &Stopped{Code: signal.ExitCode(), Err: out}
}

// signalError is a context's cause that carries its own exit code: the
// launcher's *Interrupted.
type signalError interface {
	error
	ExitCode() int
}

// signalOf returns what cancelled ctx when that was a signal.
func signalOf(ctx context.Context) signalError {
	if ctx.Err() == nil {
		return nil
	}
	if s, ok := errors.AsType[signalError](context.Cause(ctx)); ok {
		return s
	}
	return nil
}

// reread starts a new plugin for one read of the plan's group and says
// what it shows about the write. It outlives ctx, which may be what
// ended the write (Ctrl-C): the read changes nothing and is bounded.
func reread(ctx context.Context, restart func(context.Context) (plugin.Service, error), call plugin.Call, plan plugin.Plan) string {
	what := fmt.Sprintf("the %s of secret group %q", opNoun(plan.Operation), plan.Group)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), RereadBound)
	defer cancel()
	group := plan.GroupFQN
	if group == "" {
		group = plan.Group
	}
	svc, err := restart(ctx)
	var d plugin.GroupDetail
	if err == nil {
		call.Timeout = RereadBound
		d, err = svc.GetGroup(ctx, plugin.GetGroupRequest{Call: call, Group: group})
	}
	before, after := planned(plan)
	switch {
	case failure.KindOf(err) == failure.NotFound && (plan.Operation == plugin.OpGroupDelete || len(before) == 0):
		if plan.Operation == plugin.OpGroupDelete {
			return what + " was applied: the group is gone"
		}
		return what + " may have been applied, though a read just now does not find the group: it was not created, unless the request is still on its way"
	case err != nil:
		return what + " may have been applied; the group could not be read to tell (" + failure.As(err).Message + ")"
	}
	now := make([]string, 0, len(d.Secrets))
	for _, s := range d.Secrets {
		now = append(now, s.Key)
	}
	slices.Sort(now)
	keys := "keys now: " + listKeys(now)
	switch {
	case plan.Operation == plugin.OpGroupDelete:
		return what + " may have been applied, though the group still exists (" + keys + ")"
	case len(before) == 0:
		if slices.Equal(now, after) {
			return what + " was applied: the group exists with every planned key (" + keys + ")"
		}
		return what + " was applied: the group exists, but " + keyDiff(after, now) + " (" + keys + ")"
	case slices.Equal(now, after) && slices.Equal(now, before):
		return what + " may have been applied: it leaves the keys as they were (" + keys + "), so a read cannot tell whether values were rotated"
	case slices.Equal(now, after):
		return what + " may have been applied: the group has exactly the planned keys (" + keys + "), so most likely it was; values cannot be compared"
	case slices.Equal(now, before):
		return what + " may have been applied: the group's keys are unchanged (" + keys + "), so most likely it was not, unless the request is still on its way; values cannot be compared"
	default:
		return what + " may have been applied: the group differs from both the plan and what was there before; " + keyDiff(after, now) + " (" + keys + ")"
	}
}

// planned returns the plan's key sets before and after, sorted.
func planned(plan plugin.Plan) (before, after []string) {
	for _, c := range plan.Changes {
		if c.Action != plugin.ActionAdd {
			before = append(before, c.Key)
		}
		if c.Action != plugin.ActionRemove {
			after = append(after, c.Key)
		}
	}
	if plan.Operation == plugin.OpGroupDelete {
		after = nil
	}
	slices.Sort(before)
	slices.Sort(after)
	return before, after
}

// keyDiff says how got differs from want.
func keyDiff(want, got []string) string {
	var missing, extra []string
	for _, k := range want {
		if !slices.Contains(got, k) {
			missing = append(missing, k)
		}
	}
	for _, k := range got {
		if !slices.Contains(want, k) {
			extra = append(extra, k)
		}
	}
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "missing planned keys: "+listKeys(missing))
	}
	if len(extra) > 0 {
		parts = append(parts, "unplanned keys: "+listKeys(extra))
	}
	return strings.Join(parts, "; ")
}

// listKeys keeps a message one readable line for large groups.
func listKeys(keys []string) string {
	const max = 10
	if len(keys) == 0 {
		return "none"
	}
	if len(keys) <= max {
		return strings.Join(keys, ", ")
	}
	return strings.Join(keys[:max], ", ") + fmt.Sprintf(" and %d more", len(keys)-max)
}

// opNoun names an operation in a sentence.
func opNoun(op plugin.Operation) string {
	switch op {
	case plugin.OpGroupCreate:
		return "creation"
	case plugin.OpGroupDelete:
		return "deletion"
	case plugin.OpSecretDelete:
		return "secret deletion"
	case plugin.OpManifestMigrate:
		return "migration"
	}
	return "update"
}
