// Command tfy-fake-plugin is a tfy-secrets plugin serving a plugintest.Fake,
// for tests that need a real plugin subprocess (the launcher's and e2e's
// crash, checksum and orphan tests). It is never installed.
//
// Its behaviour is fixed so tests can rely on it:
//   - Status reports this process's pid as the tenant, so a test can watch
//     the plugin process.
//   - ListGroups yields three groups named g1..g3.
//   - GetGroup exits the process with status 3 in the middle of the call,
//     like a plugin crash.
//   - GetSecret fails with a not_found failure and a hint.
//   - Ref blocks until the call is cancelled, like a hung plugin.
//   - Apply waits until its context ends and then fails (unavailable) with
//     "apply PLAN cut short: CAUSE", CAUSE being plugin.ErrInterrupted's
//     text when the host's Interrupt ended it. For plan "hang" it never
//     answers; for plan "crash" the process exits with status 3.
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/plugin"
	"github.com/tfy-secrets/tfy-secrets/plugin/plugintest"
)

func main() {
	fake := &plugintest.Fake{
		GetAuthStatusFunc: func(context.Context, plugin.Call) (plugin.AuthStatus, error) {
			return plugin.AuthStatus{Host: "fake", Tenant: strconv.Itoa(os.Getpid()), KeySource: "fake"}, nil
		},
		ListGroupsFunc: func(_ context.Context, _ plugin.ListGroupsRequest, yield func(plugin.Group) error) error {
			for i := 1; i <= 3; i++ {
				if err := yield(plugin.Group{Name: fmt.Sprintf("g%d", i), SecretCount: i}); err != nil {
					return err
				}
			}
			return nil
		},
		GetGroupFunc: func(context.Context, plugin.GetGroupRequest) (plugin.GroupDetail, error) {
			os.Exit(3)
			return plugin.GroupDetail{}, nil
		},
		GetSecretFunc: func(_ context.Context, req plugin.SecretRequest) (plugin.SecretInfo, error) {
			return plugin.SecretInfo{}, failure.New(failure.NotFound, "secret %q not found", req.Secret).WithHint("run `tfy-secrets group get GROUP`")
		},
		MakeRefFunc: func(ctx context.Context, _ plugin.RefRequest) (string, error) {
			<-ctx.Done()
			return "", ctx.Err()
		},
		ApplyPlanFunc: func(ctx context.Context, req plugin.ApplyRequest) (plugin.Result, error) {
			switch req.PlanID {
			case "hang":
				select {}
			case "crash":
				os.Exit(3)
			}
			<-ctx.Done()
			return plugin.Result{}, failure.New(failure.Unavailable, "apply %s cut short: %v", req.PlanID, context.Cause(ctx))
		},
	}
	if err := plugin.Serve(fake); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}
