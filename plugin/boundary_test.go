package plugin_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	goplugin "github.com/hashicorp/go-plugin"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/secret"
	"github.com/tfy-secrets/tfy-secrets/plugin"
	"github.com/tfy-secrets/tfy-secrets/plugin/handshake"
	"github.com/tfy-secrets/tfy-secrets/plugin/plugintest"
)

// connect serves fake over a real gRPC connection in this process and
// returns the host-side Service and a function that stops the server as a
// crash would. Closing the client shuts the server down through go-plugin's
// controller, so cleanup must not also call Stop (it is not concurrency
// safe).
func connect(t *testing.T, fake *plugintest.Fake) (plugin.Service, func()) {
	t.Helper()
	client, server := goplugin.TestPluginGRPCConn(t, false, map[string]goplugin.Plugin{plugin.Name: &plugin.GRPCPlugin{Impl: fake}})
	t.Cleanup(func() { _ = client.Close() })
	raw, err := client.Dispense(plugin.Name)
	if err != nil {
		t.Fatal(err)
	}
	svc, ok := raw.(plugin.Service)
	if !ok {
		t.Fatalf("dispensed %T, want a plugin.Service", raw)
	}
	return svc, server.Stop
}

// requireAllSet fails when any exported field of v (recursively) is zero, so
// a field added to a domain type but forgotten in the wire translation
// cannot slip through a round trip that leaves it zero on both ends.
func requireAllSet(t *testing.T, name string, v any) {
	t.Helper()
	var walk func(path string, rv reflect.Value)
	walk = func(path string, rv reflect.Value) {
		if rv.Type() == reflect.TypeFor[time.Time]() || rv.Type() == reflect.TypeFor[secret.Value]() {
			if rv.IsZero() {
				t.Errorf("%s is zero; set every field in the fixture", path)
			}
			return
		}
		switch rv.Kind() {
		case reflect.Struct:
			for i := range rv.NumField() {
				if rv.Type().Field(i).IsExported() {
					walk(path+"."+rv.Type().Field(i).Name, rv.Field(i))
				}
			}
		case reflect.Slice:
			if rv.Len() == 0 {
				t.Errorf("%s is empty; set every field in the fixture", path)
			}
			for i := range rv.Len() {
				walk(fmt.Sprintf("%s[%d]", path, i), rv.Index(i))
			}
		default:
			if rv.IsZero() {
				t.Errorf("%s is zero; set every field in the fixture", path)
			}
		}
	}
	walk(name, reflect.ValueOf(v))
}

var (
	t1   = time.Date(2026, 11, 28, 10, 0, 0, 123456789, time.UTC)
	t2   = time.Date(2026, 11, 28, 11, 30, 5, 7, time.UTC)
	call = plugin.Call{
		Host: "http://127.0.0.1:8765", PolicyPath: "/org/bundle.tar.gz", Client: plugin.ClientMCP, Interactive: true,
		Yes: true, ConfirmName: "app", DryRun: true, CI: true, ShowPrefix: true, Debug: true, Timeout: 42 * time.Second,
	}
	auth        = plugin.AuthStatus{Host: "h", Tenant: "demo", KeySource: "keyring", HostSource: "flag", User: "ada", TenantSource: plugin.TenantFromAPI, KeyCheck: plugin.KeyUnverified, KeyCheckDetail: "offline"}
	integration = plugin.Integration{
		Name: "vault", ID: "int-1", FQN: "demo:azure:vault", Provider: "azure", Store: "vault",
		Type: "integration/secret-store/azure/vault", Location: "westeurope", Rules: "no underscores",
	}
	group = plugin.Group{
		Name: "app", ID: "grp-1", FQN: "demo:app", Tenant: "demo", IntegrationID: "int-1",
		SecretCount: 2, CreatedAt: t1, UpdatedAt: t2,
	}
	secretInfo = plugin.SecretInfo{
		Key: "DB-PASSWORD", ID: "sec-1", FQN: "demo:app:DB-PASSWORD", Group: "app", Masked: "(set)",
		Version: 3, UpdatedAt: t2, ActiveDeployments: -1,
	}
	detail   = plugin.GroupDetail{Group: group, Integration: integration, Secrets: []plugin.SecretInfo{secretInfo, secretInfo}, Warnings: []string{"w1", "w2"}}
	versions = []plugin.Version{{Version: 1, CreatedAt: t1}, {Version: 2, CreatedAt: t2}}
	mutation = plugin.MutationRequest{
		Call: call, Operation: plugin.OpGroupUpdate, Group: "app", IntegrationRef: "int-1", Provider: "azure",
		Changes: []plugin.Change{
			{Key: "API-KEY", Source: plugin.SourceEnv, Origin: "env NEW_API_KEY", Value: secret.FromString("canary-value-1")},
			{Key: "EMPTY", Source: plugin.SourceFile, Origin: "file ./empty", Value: secret.FromString("")},
		},
		Unset: []string{"OLD"}, Replace: true, Secret: "app:KEY", Overwrite: true,
	}
	plan = plugin.Plan{
		ID: "plan-1", Operation: plugin.OpGroupUpdate, Group: "app", GroupFQN: "demo:app", Store: "azure/vault",
		IntegrationFQN: "demo:azure:vault", Changes: []plugin.PlannedChange{{Key: "API-KEY", Action: plugin.ActionRotate, Source: plugin.SourceEnv, Origin: "env NEW_API_KEY", From: "API_KEY"}},
		Confirm: plugin.ConfirmTyped, Warnings: []string{"careful"}, ActiveDeployments: 4,
	}
	apply  = plugin.ApplyRequest{Call: call, PlanID: "plan-1", Confirmed: true, TypedName: "app"}
	result = plugin.Result{Operation: plugin.OpGroupUpdate, Group: "app", Changes: []plugin.ResultChange{{Key: "API-KEY", Action: plugin.ActionRotate}}, Verified: true,
		Warnings: []string{"another writer added LATE to secret group \"app\" right after this write; left as it is"}}
	checkRefs = plugin.CheckRefsRequest{Call: call, Groups: []plugin.RefGroup{
		{FQN: "demo:app", Keys: []string{"DB_PASSWORD", "api-key"}},
		{FQN: "other:app", Keys: []string{"K"}},
	}}
	checked = plugin.CheckRefsResult{Tenant: "demo", TenantSource: plugin.TenantFromKey, Groups: []plugin.GroupAnswer{
		{FQN: "demo:app", Status: plugin.GroupUnreadable, Keys: []plugin.KeyAnswer{{Key: "api-key", Found: true, Suggestion: "API_KEY"}},
			FailureKind: failure.Forbidden, Message: "cannot read secret group \"app\"", Hint: "check the API key's permissions"},
	}}
	policy = plugin.PolicyInfo{Modules: []plugin.PolicyModule{{Name: "default/raw_values.rego", Source: "package tfy"}}, Bundle: "/org/bundle.tar.gz"}
)

func TestFixturesSetEveryField(t *testing.T) {
	t.Parallel()
	for name, v := range map[string]any{
		"call": call, "auth": auth, "integration": integration, "group": group, "secret": secretInfo, "detail": detail,
		"versions": versions, "mutation": mutation, "plan": plan, "apply": apply, "result": result, "policy": policy,
		"checkRefs": checkRefs, "checked": checked,
	} {
		requireAllSet(t, name, v)
	}
}

func TestEveryMethodRoundTrips(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	login := plugin.LoginRequest{Call: call, Key: secret.FromString("canary-login-key")}
	evalIn := plugin.PolicyEvalRequest{Call: call, Input: []byte(`{"operation":"group.get"}`)}
	fake := &plugintest.Fake{
		LoginFunc:         func(context.Context, plugin.LoginRequest) (plugin.AuthStatus, error) { return auth, nil },
		GetAuthStatusFunc: func(context.Context, plugin.Call) (plugin.AuthStatus, error) { return auth, nil },
		LogoutFunc:        func(context.Context, plugin.Call) (plugin.AuthStatus, error) { return auth, nil },
		ListIntegrationsFunc: func(context.Context, plugin.IntegrationsRequest) ([]plugin.Integration, error) {
			return []plugin.Integration{integration}, nil
		},
		ListGroupsFunc: func(_ context.Context, _ plugin.ListGroupsRequest, yield func(plugin.Group) error) error {
			for range 3 {
				if err := yield(group); err != nil {
					return err
				}
			}
			return nil
		},
		GetGroupFunc:           func(context.Context, plugin.GetGroupRequest) (plugin.GroupDetail, error) { return detail, nil },
		GetSecretFunc:          func(context.Context, plugin.SecretRequest) (plugin.SecretInfo, error) { return secretInfo, nil },
		ListSecretVersionsFunc: func(context.Context, plugin.SecretRequest) ([]plugin.Version, error) { return versions, nil },
		MakeRefFunc:            func(context.Context, plugin.RefRequest) (string, error) { return "tfy-secret://demo:app:KEY", nil },
		CheckRefsFunc:          func(context.Context, plugin.CheckRefsRequest) (plugin.CheckRefsResult, error) { return checked, nil },
		PlanMutationFunc:       func(context.Context, plugin.MutationRequest) (plugin.Plan, error) { return plan, nil },
		ApplyPlanFunc:          func(context.Context, plugin.ApplyRequest) (plugin.Result, error) { return result, nil },
		ShowPolicyFunc:         func(context.Context, plugin.Call) (plugin.PolicyInfo, error) { return policy, nil },
		EvalPolicyFunc:         func(context.Context, plugin.PolicyEvalRequest) ([]byte, error) { return []byte(`{"deny":[]}`), nil },
	}
	svc, _ := connect(t, fake)

	check := func(method string, got, want any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s returned\n%+v\nwant\n%+v", method, got, want)
		}
	}
	gotAuth, err := svc.Login(ctx, login)
	check("Login", gotAuth, auth, err)
	gotAuth, err = svc.Logout(ctx, call)
	check("Logout", gotAuth, auth, err)
	gotAuth, err = svc.GetAuthStatus(ctx, call)
	check("GetAuthStatus", gotAuth, auth, err)
	gotInts, err := svc.ListIntegrations(ctx, plugin.IntegrationsRequest{Call: call, Provider: "azure"})
	check("ListIntegrations", gotInts, []plugin.Integration{integration}, err)
	var groups []plugin.Group
	err = svc.ListGroups(ctx, plugin.ListGroupsRequest{Call: call, Search: "ap"}, func(g plugin.Group) error { groups = append(groups, g); return nil })
	check("ListGroups", groups, []plugin.Group{group, group, group}, err)
	gotDetail, err := svc.GetGroup(ctx, plugin.GetGroupRequest{Call: call, Group: "app"})
	check("GetGroup", gotDetail, detail, err)
	gotSecret, err := svc.GetSecret(ctx, plugin.SecretRequest{Call: call, Secret: "app:KEY"})
	check("GetSecret", gotSecret, secretInfo, err)
	gotVersions, err := svc.ListSecretVersions(ctx, plugin.SecretRequest{Call: call, Secret: "app:KEY"})
	check("ListSecretVersions", gotVersions, versions, err)
	gotRef, err := svc.MakeRef(ctx, plugin.RefRequest{Call: call, Group: "app", Key: "KEY"})
	check("MakeRef", gotRef, "tfy-secret://demo:app:KEY", err)
	gotChecked, err := svc.CheckRefs(ctx, checkRefs)
	check("CheckRefs", gotChecked, checked, err)
	gotPlan, err := svc.PlanMutation(ctx, mutation)
	check("PlanMutation", gotPlan, plan, err)
	gotResult, err := svc.ApplyPlan(ctx, apply)
	check("ApplyPlan", gotResult, result, err)
	gotPolicy, err := svc.ShowPolicy(ctx, call)
	check("ShowPolicy", gotPolicy, policy, err)
	gotDecision, err := svc.EvalPolicy(ctx, evalIn)
	check("EvalPolicy", string(gotDecision), `{"deny":[]}`, err)

	// What the plugin received must equal what the host sent, secret values
	// included (they cross as bytes and become secret.Values again).
	wantReqs := []plugintest.Call{
		{Method: "Login", Request: login},
		{Method: "Logout", Request: call},
		{Method: "GetAuthStatus", Request: call},
		{Method: "ListIntegrations", Request: plugin.IntegrationsRequest{Call: call, Provider: "azure"}},
		{Method: "ListGroups", Request: plugin.ListGroupsRequest{Call: call, Search: "ap"}},
		{Method: "GetGroup", Request: plugin.GetGroupRequest{Call: call, Group: "app"}},
		{Method: "GetSecret", Request: plugin.SecretRequest{Call: call, Secret: "app:KEY"}},
		{Method: "ListSecretVersions", Request: plugin.SecretRequest{Call: call, Secret: "app:KEY"}},
		{Method: "MakeRef", Request: plugin.RefRequest{Call: call, Group: "app", Key: "KEY"}},
		{Method: "CheckRefs", Request: checkRefs},
		{Method: "PlanMutation", Request: mutation},
		{Method: "ApplyPlan", Request: apply},
		{Method: "ShowPolicy", Request: call},
		{Method: "EvalPolicy", Request: evalIn},
	}
	gotReqs := fake.Calls()
	if len(gotReqs) != len(wantReqs) {
		t.Fatalf("plugin saw %d calls, want %d", len(gotReqs), len(wantReqs))
	}
	for i := range wantReqs {
		if !reflect.DeepEqual(gotReqs[i], wantReqs[i]) {
			t.Errorf("plugin received\n%+v\nwant\n%+v", gotReqs[i], wantReqs[i])
		}
	}
	got := gotReqs[10].Request.(plugin.MutationRequest).Changes
	if got[0].Value.Reveal() != "canary-value-1" || !got[1].Value.IsSet() || got[1].Value.Len() != 0 {
		t.Errorf("values did not cross intact: set=%v len=%d", got[1].Value.IsSet(), got[1].Value.Len())
	}
}

func TestUnsetValuesStayUnset(t *testing.T) {
	t.Parallel()
	fake := &plugintest.Fake{}
	svc, _ := connect(t, fake)
	if _, err := svc.Login(t.Context(), plugin.LoginRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PlanMutation(t.Context(), plugin.MutationRequest{Changes: []plugin.Change{{Key: "K", Source: plugin.SourceLiteral}}}); err != nil {
		t.Fatal(err)
	}
	calls := fake.Calls()
	if calls[0].Request.(plugin.LoginRequest).Key.IsSet() || calls[1].Request.(plugin.MutationRequest).Changes[0].Value.IsSet() {
		t.Fatal("an unset value arrived as set")
	}
}

func TestEveryFailureKindCrossesWithMessageAndHint(t *testing.T) {
	t.Parallel()
	for _, kind := range failure.Kinds() {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			fake := &plugintest.Fake{GetGroupFunc: func(context.Context, plugin.GetGroupRequest) (plugin.GroupDetail, error) {
				return plugin.GroupDetail{}, fmt.Errorf("get group: %w", failure.New(kind, "boom %s", kind).WithHint("try %s", kind))
			}}
			svc, _ := connect(t, fake)
			_, err := svc.GetGroup(t.Context(), plugin.GetGroupRequest{Group: "app"})
			f := failure.As(err)
			if f.Kind != kind || f.Message != "boom "+string(kind) || f.Hint != "try "+string(kind) {
				t.Fatalf("got kind=%s message=%q hint=%q", f.Kind, f.Message, f.Hint)
			}
			if f.Kind.ExitCode() != kind.ExitCode() {
				t.Fatalf("exit code %d, want %d", f.Kind.ExitCode(), kind.ExitCode())
			}
		})
	}
}

func TestPlainErrorBecomesUnexpected(t *testing.T) {
	t.Parallel()
	fake := &plugintest.Fake{LogoutFunc: func(context.Context, plugin.Call) (plugin.AuthStatus, error) {
		return plugin.AuthStatus{}, errors.New("keyring: dbus gone")
	}}
	svc, _ := connect(t, fake)
	_, err := svc.Logout(t.Context(), call)
	f := failure.As(err)
	if f.Kind != failure.Unexpected || f.Message != "keyring: dbus gone" {
		t.Fatalf("got %s %q", f.Kind, f.Message)
	}
}

func TestListGroupsStopsWhenYieldFails(t *testing.T) {
	t.Parallel()
	pluginSaw := make(chan error, 1)
	fake := &plugintest.Fake{ListGroupsFunc: func(ctx context.Context, _ plugin.ListGroupsRequest, yield func(plugin.Group) error) error {
		for i := 0; ; i++ {
			if err := yield(plugin.Group{Name: fmt.Sprint(i)}); err != nil {
				pluginSaw <- err
				return err
			}
		}
	}}
	svc, _ := connect(t, fake)
	errEnough := errors.New("enough")
	n := 0
	err := svc.ListGroups(t.Context(), plugin.ListGroupsRequest{}, func(plugin.Group) error {
		n++
		if n == 2 {
			return errEnough
		}
		return nil
	})
	if !errors.Is(err, errEnough) || n != 2 {
		t.Fatalf("ListGroups = %v after %d groups, want yield's error after 2", err, n)
	}
	select {
	case err := <-pluginSaw:
		if err == nil {
			t.Fatal("plugin's yield returned nil after the host stopped")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the plugin kept streaming after the host stopped reading")
	}
}

func TestListGroupsFailsMidStream(t *testing.T) {
	t.Parallel()
	fake := &plugintest.Fake{ListGroupsFunc: func(_ context.Context, _ plugin.ListGroupsRequest, yield func(plugin.Group) error) error {
		if err := yield(plugin.Group{Name: "a"}); err != nil {
			return err
		}
		return failure.New(failure.Unavailable, "page 2 failed").WithHint("retry")
	}}
	svc, _ := connect(t, fake)
	var names []string
	err := svc.ListGroups(t.Context(), plugin.ListGroupsRequest{}, func(g plugin.Group) error { names = append(names, g.Name); return nil })
	if f := failure.As(err); f.Kind != failure.Unavailable || f.Hint != "retry" || len(names) != 1 {
		t.Fatalf("got %v after %v", err, names)
	}
}

// blockingRef returns a fake whose Ref waits for its context to end and
// reports the start and the plugin-side cancellation on channels.
func blockingRef() (*plugintest.Fake, chan struct{}, chan struct{}) {
	started, cancelled := make(chan struct{}), make(chan struct{})
	return &plugintest.Fake{MakeRefFunc: func(ctx context.Context, _ plugin.RefRequest) (string, error) {
		close(started)
		<-ctx.Done()
		close(cancelled)
		return "", ctx.Err()
	}}, started, cancelled
}

func TestCancellation(t *testing.T) {
	t.Parallel()
	errCause := errors.New("interrupted by test")
	cases := []struct {
		name   string
		cancel func(context.CancelCauseFunc)
		check  func(error) bool
	}{
		{"cause survives", func(c context.CancelCauseFunc) { c(errCause) }, func(err error) bool { return errors.Is(err, errCause) }},
		{"plain cancel", func(c context.CancelCauseFunc) { c(nil) }, func(err error) bool {
			return errors.Is(err, context.Canceled) && failure.As(err).Message == "the operation was cancelled"
		}},
		{"deadline", func(c context.CancelCauseFunc) { c(context.DeadlineExceeded) }, func(err error) bool {
			return failure.KindOf(err) == failure.Unavailable && strings.Contains(failure.As(err).Hint, "--timeout")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake, started, cancelled := blockingRef()
			svc, _ := connect(t, fake)
			ctx, cancel := context.WithCancelCause(t.Context())
			go func() {
				<-started
				tc.cancel(cancel)
			}()
			_, err := svc.MakeRef(ctx, plugin.RefRequest{Group: "g", Key: "k"})
			if !tc.check(err) {
				t.Fatalf("unexpected error %v", err)
			}
			select {
			case <-cancelled:
			case <-time.After(10 * time.Second):
				t.Fatal("the plugin never saw the cancellation")
			}
		})
	}
}

func TestServerGoneMidCallIsAClearFailure(t *testing.T) {
	t.Parallel()
	fake, started, _ := blockingRef()
	svc, stop := connect(t, fake)
	go func() {
		<-started
		stop()
	}()
	_, err := svc.MakeRef(t.Context(), plugin.RefRequest{})
	f := failure.As(err)
	if !errors.Is(err, plugin.ErrStopped) || f.Message != "the tfy-secrets plugin stopped unexpectedly" || !strings.Contains(f.Hint, "--debug") {
		t.Fatalf("got %v (hint %q)", err, f.Hint)
	}
}

func TestServeRefusesWithoutCookie(t *testing.T) {
	t.Setenv(plugin.Handshake.MagicCookieKey, "wrong")
	if plugin.Launched() {
		t.Fatal("Launched with a wrong cookie")
	}
	if err := plugin.Serve(&plugintest.Fake{}); !errors.Is(err, plugin.ErrNotLaunched) || err.Error() != plugin.RunByHand {
		t.Fatalf("Serve = %v", err)
	}
	t.Setenv(plugin.Handshake.MagicCookieKey, plugin.Handshake.MagicCookieValue)
	if !plugin.Launched() {
		t.Fatal("not Launched with the right cookie")
	}
}

// The host starts the plugin itself (host/launcher/spawn) and so sets
// go-plugin's variables by name; they must be go-plugin's names.
func TestHandshakeUsesGoPluginsNames(t *testing.T) {
	if handshake.EnvUnixSocketDir != goplugin.EnvUnixSocketDir {
		t.Fatalf("handshake.EnvUnixSocketDir = %q, go-plugin reads %q", handshake.EnvUnixSocketDir, goplugin.EnvUnixSocketDir)
	}
	if plugin.Handshake.MagicCookieKey != handshake.CookieKey || plugin.Handshake.ProtocolVersion != handshake.ProtocolVersion {
		t.Fatalf("plugin.Handshake %+v differs from package handshake", plugin.Handshake)
	}
}
