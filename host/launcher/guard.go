package launcher

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// The host's own bounds on the plugin. The plugin enforces --timeout on
// each call itself and answers with a precise message; these bounds are
// for a plugin that cannot answer at all (stopped with SIGSTOP, hung, or
// stuck in a dead connection), which would otherwise hold the host for
// ever.
const (
	// CallGrace is how much longer than --timeout the host waits for a
	// call before it takes the plugin for hung and kills it.
	CallGrace = 2 * time.Second
	// DefaultCallBound bounds a call when there is no --timeout. The
	// plugin's own limits (30 s per HTTP attempt, four attempts of a read
	// with at most 30 s of Retry-After between them) end a read within
	// about 3.5 minutes, and a call makes its reads in turn; five minutes
	// leaves a read that ends by itself alone, and is a wait a person can
	// still tell from for ever.
	DefaultCallBound = 5 * time.Minute
	// ApplyGrace is how long the host waits, once it cut an Apply short
	// (Ctrl-C, SIGTERM, its bound), for the plugin to report what the write
	// left behind. The plugin's own read for that report is bounded below
	// it (5 s), so a working plugin always answers in time.
	ApplyGrace = 8 * time.Second
)

// guarded is the Service the launcher hands out: the plugin's client,
// with the host's bounds on every call. When a call's context ends (its
// bound, Ctrl-C, SIGTERM) the plugin is killed at once, which is what
// releases a host waiting on a plugin that cannot answer, except during
// Apply: a write already sent must get to report what it did (see Apply).
type guarded struct {
	c       *plugin.GRPCClient
	kill    func()
	exited  func() bool   // the plugin process has ended
	timeout time.Duration // --timeout; zero: none
	bound   time.Duration // per call: timeout + CallGrace, or DefaultCallBound
	grace   time.Duration // ApplyGrace
	stderr  io.Writer
}

var _ plugin.Service = (*guarded)(nil)

func newGuarded(c *plugin.GRPCClient, kill func(), exited func() bool, opts Options, stderr io.Writer) *guarded {
	g := &guarded{c: c, kill: kill, exited: exited, timeout: opts.Timeout, bound: DefaultCallBound, grace: ApplyGrace, stderr: stderr}
	if opts.Timeout > 0 {
		g.bound = opts.Timeout + CallGrace
	}
	if opts.callBound > 0 {
		g.bound = opts.callBound
	}
	if opts.applyGrace > 0 {
		g.grace = opts.applyGrace
	}
	return g
}

// noAnswer is why a call ended at the host's bound. It is in
// plugin.ErrStopped's family: the plugin was killed without answering.
func (g *guarded) noAnswer() error {
	within := fmt.Sprintf("%s, the bound of a call without --timeout", g.bound)
	if g.timeout > 0 {
		within = fmt.Sprintf("--timeout %s and %s of grace", g.timeout, g.bound-g.timeout)
	}
	return &failure.Error{
		Kind:    failure.Unavailable,
		Message: fmt.Sprintf("the tfy-secrets plugin did not answer within %s; it was stopped", within),
		Hint:    "the plugin hung or was suspended (kill -STOP); rerun with --debug to see its own diagnostics",
		Err:     plugin.ErrStopped,
	}
}

// call bounds one call and kills the plugin when its context ends first;
// end releases both.
func (g *guarded) call(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithTimeoutCause(ctx, g.bound, g.noAnswer())
	stopKill := context.AfterFunc(ctx, g.kill)
	return ctx, func() {
		stopKill()
		cancel()
	}
}

// ApplyPlan waits for the plugin's answer past the end of ctx. Once ApplyPlan is
// sent the write may be on its way, and only the plugin can tell what it
// did, so when ctx ends (Ctrl-C, SIGTERM) or the bound passes, the host
// asks the plugin to cut the write short (Interrupt) and waits up to grace
// for that report. It returns the plugin's answer, which may even be a
// success. Without an answer in that time (the plugin is hung or stopped)
// the plugin is killed and the error is in plugin.ErrStopped's family; the
// caller then re-reads the group through a new plugin. A second Ctrl-C
// ends the host at once: NotifyContext has restored the default action.
func (g *guarded) ApplyPlan(ctx context.Context, req plugin.ApplyRequest) (plugin.Result, error) {
	if g.exited() {
		// It died while the user was at the prompt: the plan died with
		// it, and the change was never sent.
		return plugin.Result{}, failure.New(failure.Unexpected, "the tfy-secrets plugin stopped before the change was sent: nothing was written").
			WithHint("run the command again; rerun with --debug to see why the plugin stopped")
	}
	call, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	type answer struct {
		res plugin.Result
		err error
	}
	answered := make(chan answer, 1)
	go func() {
		res, err := g.c.ApplyPlan(call, req)
		answered <- answer{res, err}
	}()
	bound := time.NewTimer(g.bound)
	defer bound.Stop()
	why, signalled := fmt.Sprintf("%s passed", g.bound), false
	if g.timeout > 0 {
		why = fmt.Sprintf("--timeout %s passed", g.timeout)
	}
	select {
	case a := <-answered:
		return a.res, a.err
	case <-ctx.Done():
		why, signalled = context.Cause(ctx).Error(), true
	case <-bound.C:
	}
	_, _ = fmt.Fprintf(g.stderr, "%s while the change was being applied; waiting up to %s for the plugin to tell whether it was (press Ctrl-C again to stop waiting)\n", why, g.grace)
	go func() {
		ictx, icancel := context.WithTimeout(call, g.grace)
		defer icancel()
		_ = g.c.Interrupt(ictx, req.PlanID)
	}()
	grace := time.NewTimer(g.grace)
	defer grace.Stop()
	select {
	case a := <-answered:
		return a.res, a.err
	case <-grace.C:
		g.kill()
		// After a signal the caller names it; a bound is named here.
		msg := fmt.Sprintf("the tfy-secrets plugin gave no answer within %s and was stopped", g.grace)
		if !signalled {
			msg = fmt.Sprintf("%s while the change was being applied, and the tfy-secrets plugin gave no answer within %s more; it was stopped", why, g.grace)
		}
		return plugin.Result{}, &failure.Error{
			Kind:    failure.Unavailable,
			Message: msg,
			Hint:    "the plugin hung or was suspended (kill -STOP); rerun with --debug to see its own diagnostics",
			Err:     plugin.ErrStopped,
		}
	}
}

func (g *guarded) Login(ctx context.Context, req plugin.LoginRequest) (plugin.AuthStatus, error) {
	ctx, end := g.call(ctx)
	defer end()
	return g.c.Login(ctx, req)
}

func (g *guarded) Logout(ctx context.Context, call plugin.Call) (plugin.AuthStatus, error) {
	ctx, end := g.call(ctx)
	defer end()
	return g.c.Logout(ctx, call)
}

func (g *guarded) GetAuthStatus(ctx context.Context, call plugin.Call) (plugin.AuthStatus, error) {
	ctx, end := g.call(ctx)
	defer end()
	return g.c.GetAuthStatus(ctx, call)
}

func (g *guarded) ListIntegrations(ctx context.Context, req plugin.IntegrationsRequest) ([]plugin.Integration, error) {
	ctx, end := g.call(ctx)
	defer end()
	return g.c.ListIntegrations(ctx, req)
}

func (g *guarded) ListGroups(ctx context.Context, req plugin.ListGroupsRequest, yield func(plugin.Group) error) error {
	ctx, end := g.call(ctx)
	defer end()
	return g.c.ListGroups(ctx, req, yield)
}

func (g *guarded) GetGroup(ctx context.Context, req plugin.GetGroupRequest) (plugin.GroupDetail, error) {
	ctx, end := g.call(ctx)
	defer end()
	return g.c.GetGroup(ctx, req)
}

func (g *guarded) GetSecret(ctx context.Context, req plugin.SecretRequest) (plugin.SecretInfo, error) {
	ctx, end := g.call(ctx)
	defer end()
	return g.c.GetSecret(ctx, req)
}

func (g *guarded) ListSecretVersions(ctx context.Context, req plugin.SecretRequest) ([]plugin.Version, error) {
	ctx, end := g.call(ctx)
	defer end()
	return g.c.ListSecretVersions(ctx, req)
}

func (g *guarded) MakeRef(ctx context.Context, req plugin.RefRequest) (string, error) {
	ctx, end := g.call(ctx)
	defer end()
	return g.c.MakeRef(ctx, req)
}

func (g *guarded) CheckRefs(ctx context.Context, req plugin.CheckRefsRequest) (plugin.CheckRefsResult, error) {
	ctx, end := g.call(ctx)
	defer end()
	return g.c.CheckRefs(ctx, req)
}

func (g *guarded) PlanMutation(ctx context.Context, req plugin.MutationRequest) (plugin.Plan, error) {
	ctx, end := g.call(ctx)
	defer end()
	return g.c.PlanMutation(ctx, req)
}

func (g *guarded) ShowPolicy(ctx context.Context, call plugin.Call) (plugin.PolicyInfo, error) {
	ctx, end := g.call(ctx)
	defer end()
	return g.c.ShowPolicy(ctx, call)
}

func (g *guarded) EvalPolicy(ctx context.Context, req plugin.PolicyEvalRequest) ([]byte, error) {
	ctx, end := g.call(ctx)
	defer end()
	return g.c.EvalPolicy(ctx, req)
}
