package plugin_test

import (
	"context"
	"fmt"
	"testing"

	goplugin "github.com/hashicorp/go-plugin"

	"github.com/tfy-secrets/tfy-secrets/plugin"
	"github.com/tfy-secrets/tfy-secrets/plugin/plugintest"
)

func benchService(b *testing.B, fake *plugintest.Fake) plugin.Service {
	b.Helper()
	client, _ := goplugin.TestPluginGRPCConn(b, false, map[string]goplugin.Plugin{plugin.Name: &plugin.GRPCPlugin{Impl: fake}})
	b.Cleanup(func() { _ = client.Close() })
	raw, err := client.Dispense(plugin.Name)
	if err != nil {
		b.Fatal(err)
	}
	return raw.(plugin.Service)
}

// BenchmarkGetGroupRoundTrip measures one unary call carrying a group of
// 50 secrets across the real gRPC boundary (in process, over a unix socket).
func BenchmarkGetGroupRoundTrip(b *testing.B) {
	d := detail
	d.Secrets = nil
	for i := range 50 {
		s := secretInfo
		s.Key = fmt.Sprintf("KEY-%d", i)
		d.Secrets = append(d.Secrets, s)
	}
	svc := benchService(b, &plugintest.Fake{GetGroupFunc: func(context.Context, plugin.GetGroupRequest) (plugin.GroupDetail, error) { return d, nil }})
	req := plugin.GetGroupRequest{Call: call, Group: "app"}
	for b.Loop() {
		if _, err := svc.GetGroup(b.Context(), req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListGroupsStream10k measures streaming 10,000 groups, the size
// design section 9 budgets for.
func BenchmarkListGroupsStream10k(b *testing.B) {
	svc := benchService(b, &plugintest.Fake{ListGroupsFunc: func(_ context.Context, _ plugin.ListGroupsRequest, yield func(plugin.Group) error) error {
		for range 10_000 {
			if err := yield(group); err != nil {
				return err
			}
		}
		return nil
	}})
	for b.Loop() {
		n := 0
		if err := svc.ListGroups(b.Context(), plugin.ListGroupsRequest{}, func(plugin.Group) error { n++; return nil }); err != nil || n != 10_000 {
			b.Fatal(n, err)
		}
	}
}
