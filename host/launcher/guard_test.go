package launcher

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// within runs f and fails the test, instead of hanging it, when f has not
// returned after a generous bound.
func within(t *testing.T, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(60 * time.Second):
		t.Fatal("the call still waits")
		return nil
	}
}

// A plugin stopped with SIGSTOP cannot answer; the host's own bound ends
// the call, kills the plugin and says so (exit 9).
func TestStoppedPluginIsKilledAtTheBound(t *testing.T) {
	t.Parallel()
	var stderr syncBuffer
	svc, stop, err := start(t.Context(), Options{Stderr: &stderr, Timeout: 100 * time.Millisecond, callBound: 300 * time.Millisecond}, noEarly, at(fakePlugin(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	pid := pluginPid(t, svc)
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	waitStopped(t, pid)
	err = within(t, func() error {
		// The fake answers ListGroups at once, unless it is stopped.
		return svc.ListGroups(t.Context(), plugin.ListGroupsRequest{}, func(plugin.Group) error { return nil })
	})
	f := failure.As(err)
	if f.Kind != failure.Unavailable || f.Kind.ExitCode() != 9 || !strings.Contains(f.Message, "did not answer within --timeout 100ms") || !strings.Contains(f.Hint, "kill -STOP") {
		t.Fatalf("call to a stopped plugin: %v (kind %s, hint %q)", err, f.Kind, f.Hint)
	}
	testkit.WaitGone(t, pid)
}

// waitStopped polls (bounded) until the kernel has stopped pid: kill(2)
// returns before the signal takes effect.
func waitStopped(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			t.Fatal(err)
		}
		if i := bytes.LastIndexByte(stat, ')'); i > 0 && len(stat) > i+2 && stat[i+2] == 'T' {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d never stopped", pid)
		}
		<-tick.C
	}
}

// Without --timeout the bound is DefaultCallBound.
func TestDefaultCallBound(t *testing.T) {
	t.Parallel()
	g := newGuarded(nil, func() {}, func() bool { return false }, Options{}, nil)
	if g.bound != DefaultCallBound || !strings.Contains(g.noAnswer().Error(), "the bound of a call without --timeout") {
		t.Fatalf("bound %s: %v", g.bound, g.noAnswer())
	}
	if g := newGuarded(nil, func() {}, func() bool { return false }, Options{Timeout: 5 * time.Second}, nil); g.bound != 5*time.Second+CallGrace {
		t.Fatalf("bound with --timeout 5s: %s", g.bound)
	}
	if ApplyGrace <= 5*time.Second {
		t.Fatalf("ApplyGrace %s does not cover the plugin's 5 s diagnosis read", ApplyGrace)
	}
}

// Ctrl-C during Apply does not kill the plugin: it is told to cut the
// write short, and its answer (what the write left behind) is returned.
func TestInterruptedApplyReturnsThePluginsReport(t *testing.T) {
	t.Parallel()
	var stderr syncBuffer
	ctx, cancel := context.WithCancelCause(t.Context())
	svc, stop, err := start(ctx, Options{Stderr: &stderr}, noEarly, at(fakePlugin(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	pid := pluginPid(t, svc)
	// Cancelled before the Apply reaches the plugin even: the Interrupt
	// then overtakes it, and the outcome is the same.
	cancel(&Interrupted{Signal: syscall.SIGINT})
	err = within(t, func() error {
		_, err := svc.ApplyPlan(ctx, plugin.ApplyRequest{PlanID: "p1"})
		return err
	})
	if f := failure.As(err); f.Kind != failure.Unavailable || f.Message != "apply p1 cut short: "+plugin.ErrInterrupted.Error() {
		t.Fatalf("interrupted Apply: %v", err)
	}
	if !strings.Contains(stderr.String(), "interrupted (Ctrl-C) while the change was being applied; waiting up to 8s for the plugin to tell whether it was") {
		t.Fatalf("no note on stderr: %q", stderr.String())
	}
	// The plugin was not killed: it still answers.
	if got := pluginPid(t, svc); got != pid {
		t.Fatalf("pid %d, then %d", pid, got)
	}
}

// An Apply still running at its bound is cut short the same way.
func TestApplyPastItsBound(t *testing.T) {
	t.Parallel()
	var stderr syncBuffer
	svc, stop, err := start(t.Context(), Options{Stderr: &stderr, callBound: 200 * time.Millisecond}, noEarly, at(fakePlugin(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	err = within(t, func() error {
		_, err := svc.ApplyPlan(t.Context(), plugin.ApplyRequest{PlanID: "p2"})
		return err
	})
	if f := failure.As(err); f.Message != "apply p2 cut short: "+plugin.ErrInterrupted.Error() {
		t.Fatalf("Apply past its bound: %v", err)
	}
	if !strings.Contains(stderr.String(), "200ms passed while the change was being applied") {
		t.Fatalf("no note on stderr: %q", stderr.String())
	}
}

// A plugin that gives no answer within the grace, or dies, is reported as
// stopped (plugin.ErrStopped), so that the caller re-reads the group.
func TestApplyWithoutAnAnswer(t *testing.T) {
	t.Parallel()
	for _, plan := range []string{"hang", "crash"} {
		ctx, cancel := context.WithCancelCause(t.Context())
		svc, stop, err := start(ctx, Options{Stderr: &syncBuffer{}, applyGrace: 300 * time.Millisecond}, noEarly, at(fakePlugin(t)))
		if err != nil {
			t.Fatal(err)
		}
		pid := pluginPid(t, svc)
		if plan == "hang" {
			cancel(&Interrupted{Signal: syscall.SIGTERM})
		}
		err = within(t, func() error {
			_, err := svc.ApplyPlan(ctx, plugin.ApplyRequest{PlanID: plan})
			return err
		})
		if !errors.Is(err, plugin.ErrStopped) {
			t.Fatalf("%s: %v", plan, err)
		}
		if plan == "hang" && !strings.Contains(err.Error(), "gave no answer within 300ms and was stopped") {
			t.Fatalf("%s: %v", plan, err)
		}
		testkit.WaitGone(t, pid)
		stop()
		cancel(nil)
	}
}
