package host

import (
	"context"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

// An update interrupted after Apply was sent keeps the signal's exit code
// and reports the plugin's account of the write, not just the signal.
func TestInterruptedApplyReportsTheWrite(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(interrupted{})
	p := updatePlan()
	svc := hosttest.Canned(hosttest.Answers{Plan: p, Err: map[string]error{
		"ApplyPlan": failure.New(failure.Unavailable, `group.update of secret group "app" was sent but got no answer; it may have been applied`).WithHint("check with: tfy-secrets group get app"),
	}})
	o := invocation{svc: svc, ctx: ctx, env: map[string]string{"NEW_KEY": canary}}.run(t, "group", "update", "app", "--from-env", "API-KEY=NEW_KEY", "--yes")
	o.expect(t, 130, "", `error: interrupted (Ctrl-C) while the change was being applied: group.update of secret group "app" was sent but got no answer; it may have been applied`+"\nhint: check with: tfy-secrets group get app")
	if calls(svc) != "PlanMutation,ApplyPlan" {
		t.Fatalf("calls %s", calls(svc))
	}
}
