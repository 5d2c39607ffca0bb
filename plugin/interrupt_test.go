package plugin_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/plugin"
	"github.com/tfy-secrets/tfy-secrets/plugin/plugintest"
)

type interrupter interface {
	Interrupt(ctx context.Context, planID string) error
}

// Interrupt cancels the running Apply of the same plan, whose answer (what
// the cut-short write left behind) still reaches the host; the Apply of
// another plan is left alone.
func TestInterruptCancelsTheApplyAndKeepsItsAnswer(t *testing.T) {
	t.Parallel()
	started := make(chan string, 2)
	fake := &plugintest.Fake{ApplyPlanFunc: func(ctx context.Context, req plugin.ApplyRequest) (plugin.Result, error) {
		started <- req.PlanID
		<-ctx.Done()
		if !errors.Is(context.Cause(ctx), plugin.ErrInterrupted) {
			return plugin.Result{}, failure.New(failure.Unexpected, "cancelled by %v", context.Cause(ctx))
		}
		return plugin.Result{}, failure.New(failure.Unavailable, "plan %s may have been applied", req.PlanID).WithHint("check")
	}}
	svc, _ := connect(t, fake)
	other, cancelOther := context.WithCancel(t.Context())
	otherDone := make(chan error, 1)
	go func() {
		_, err := svc.ApplyPlan(other, plugin.ApplyRequest{PlanID: "other"})
		otherDone <- err
	}()
	done := make(chan error, 1)
	go func() {
		_, err := svc.ApplyPlan(t.Context(), plugin.ApplyRequest{PlanID: "p1"})
		done <- err
	}()
	for range 2 {
		<-started
	}
	if err := svc.(interrupter).Interrupt(t.Context(), "p1"); err != nil {
		t.Fatal(err)
	}
	err := <-done
	if f := failure.As(err); f.Kind != failure.Unavailable || f.Message != "plan p1 may have been applied" || f.Hint != "check" {
		t.Fatalf("interrupted Apply answered %v", err)
	}
	select {
	case err := <-otherDone:
		t.Fatalf("the other plan's Apply ended too: %v", err)
	default:
	}
	cancelOther()
	<-otherDone
}

// An Interrupt that overtakes its Apply still cancels it.
func TestInterruptBeforeItsApply(t *testing.T) {
	t.Parallel()
	fake := &plugintest.Fake{ApplyPlanFunc: func(ctx context.Context, req plugin.ApplyRequest) (plugin.Result, error) {
		<-ctx.Done()
		return plugin.Result{}, failure.New(failure.Unavailable, "cut short: %v", errors.Is(context.Cause(ctx), plugin.ErrInterrupted))
	}}
	svc, _ := connect(t, fake)
	if err := svc.(interrupter).Interrupt(t.Context(), "p2"); err != nil {
		t.Fatal(err)
	}
	_, err := svc.ApplyPlan(t.Context(), plugin.ApplyRequest{PlanID: "p2"})
	if f := failure.As(err); f.Message != "cut short: true" {
		t.Fatalf("Apply after its Interrupt: %v", err)
	}
}
