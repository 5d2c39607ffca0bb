package service

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/internal/secret"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

func TestResolveGroup(t *testing.T) {
	t.Parallel()
	h := newHarness()
	g := h.api.add("app", map[string]string{"A": "a"})
	for _, ref := range []string{"app", "demo:app", g.id} {
		got, err := h.svc.GetGroup(context.Background(), plugin.GetGroupRequest{Call: call(), Group: ref})
		if err != nil || got.Group.ID != g.id || got.Group.Tenant != "demo" {
			t.Fatalf("%q: %+v, %v", ref, got.Group, err)
		}
	}
	for _, ref := range []string{"nope", "demo:nope", "other:app"} {
		_, err := h.svc.GetGroup(context.Background(), plugin.GetGroupRequest{Call: call(), Group: ref})
		e := failure.As(err)
		if e.Kind != failure.NotFound || !strings.Contains(e.Message, `secret group "`) || !strings.Contains(e.Hint, "tfy-secrets group list") {
			t.Fatalf("%q: %v (hint %q)", ref, err, e.Hint)
		}
	}
}

// A host whose first label is not the tenant (a custom domain) still finds
// groups by name.
func TestResolveGroupWrongTenantGuess(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.creds.base = "https://secrets.example.com"
	h.api.add("app", map[string]string{"A": "a"})
	got, err := h.svc.GetGroup(context.Background(), plugin.GetGroupRequest{Call: call(), Group: "app"})
	if err != nil || got.Group.Name != "app" {
		t.Fatalf("%+v, %v", got, err)
	}
}

func TestGetGroupMasking(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.api.add("app", map[string]string{"LONG": "abcdefghijklmnopqrstuvwxyz", "SHORT": "abc"})
	c := call()
	got, err := h.svc.GetGroup(context.Background(), plugin.GetGroupRequest{Call: c, Group: "app"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range got.Secrets {
		if s.Masked != "(set)" {
			t.Fatalf("%s masked %q without --show-prefix", s.Key, s.Masked)
		}
	}
	if h.api.callCount("SecretsWithValue") != 0 || h.api.callCount("SecretByID") != 0 {
		t.Fatal("values were read without --show-prefix")
	}
	c.ShowPrefix = true
	got, err = h.svc.GetGroup(context.Background(), plugin.GetGroupRequest{Call: c, Group: "app"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"LONG": "abcd***", "SHORT": "(set)"}
	for _, s := range got.Secrets {
		if s.Masked != want[s.Key] {
			t.Errorf("%s masked %q, want %q", s.Key, s.Masked, want[s.Key])
		}
	}
	if got.Integration.ID != "int-azure" {
		t.Errorf("integration = %+v", got.Integration)
	}
}

func TestGetGroupValueViewDisabled(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.api.valueHidden = true
	h.api.add("app", map[string]string{"LONG": "abcdefghijklmnopqrstuvwxyz"})
	c := call()
	c.ShowPrefix = true
	got, err := h.svc.GetGroup(context.Background(), plugin.GetGroupRequest{Call: c, Group: "app"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Secrets[0].Masked != "(set)" || len(got.Warnings) != 1 || !strings.Contains(got.Warnings[0], "value viewing is disabled") {
		t.Fatalf("%+v", got)
	}
}

func TestMask(t *testing.T) {
	t.Parallel()
	v := change("K", "ünïcode-value-long").Value
	if got := mask(v, policydoc.MaskPrefix4); got != "ünïc***" {
		t.Fatalf("mask = %q", got)
	}
	if got := mask(change("K", "short").Value, policydoc.MaskPrefix4); got != "(set)" {
		t.Fatalf("short value mask = %q", got)
	}
	if got := mask(v, "set"); got != "(set)" {
		t.Fatalf("set mask = %q", got)
	}
}

func TestGetSecretAndVersions(t *testing.T) {
	t.Parallel()
	h := newHarness()
	g := h.api.add("app", map[string]string{"A": "abcdefghijklmnopqrstuvwxyz"})
	for _, ref := range []string{"app:A", "demo:app:A", "tfy-secret://demo:app:A"} {
		info, err := h.svc.GetSecret(context.Background(), plugin.SecretRequest{Call: call(), Secret: ref})
		if err != nil || info.Key != "A" || info.Group != "app" || info.Masked != "(set)" || info.Version != 1 || info.FQN != "demo:app:A" {
			t.Fatalf("%q: %+v, %v", ref, info, err)
		}
	}
	if n := h.api.callCount("SecretByID") + h.api.callCount("SecretsWithValue"); n != 0 {
		t.Fatalf("%d value reads without --show-prefix", n)
	}
	// An id can only be resolved by the read that also carries the value;
	// the value is dropped at once.
	info, err := h.svc.GetSecret(context.Background(), plugin.SecretRequest{Call: call(), Secret: g.ids["A"]})
	if err != nil || info.Key != "A" || info.Masked != "(set)" || info.Version != 2 {
		t.Fatalf("by id: %+v, %v", info, err)
	}
	show := call()
	show.ShowPrefix = true
	info, err = h.svc.GetSecret(context.Background(), plugin.SecretRequest{Call: show, Secret: "app:A"})
	if err != nil || info.Masked != "abcd***" {
		t.Fatalf("--show-prefix: %+v, %v", info, err)
	}
	vs, err := h.svc.ListSecretVersions(context.Background(), plugin.SecretRequest{Call: call(), Secret: "app:A"})
	if err != nil || len(vs) != 2 || vs[1].Version != 2 {
		t.Fatalf("versions = %+v, %v", vs, err)
	}
	_, err = h.svc.GetSecret(context.Background(), plugin.SecretRequest{Call: call(), Secret: "app:NOPE"})
	if failure.KindOf(err) != failure.NotFound {
		t.Fatalf("missing key: %v", err)
	}
	_, err = h.svc.GetSecret(context.Background(), plugin.SecretRequest{Call: call(), Secret: "a:b:c:d"})
	if failure.KindOf(err) != failure.Usage {
		t.Fatalf("malformed ref: %v", err)
	}
}

func TestRef(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.api.add("app", map[string]string{"DB": "x"})
	got, err := h.svc.MakeRef(context.Background(), plugin.RefRequest{Call: call(), Group: "app", Key: "DB"})
	if err != nil || got != "tfy-secret://demo:app:DB" {
		t.Fatalf("ref = %q, %v", got, err)
	}
	_, err = h.svc.MakeRef(context.Background(), plugin.RefRequest{Call: call(), Group: "app", Key: "NOPE"})
	if failure.KindOf(err) != failure.NotFound || !strings.Contains(failure.As(err).Hint, "group get app") {
		t.Fatalf("missing key: %v", err)
	}
}

func TestListGroupsAndIntegrations(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.api.add("b-app", map[string]string{"A": "a"})
	h.api.add("a-app", map[string]string{"A": "a", "B": "b"})
	var names []string
	err := h.svc.ListGroups(context.Background(), plugin.ListGroupsRequest{Call: call()}, func(g plugin.Group) error {
		names = append(names, g.Name)
		return nil
	})
	if err != nil || strings.Join(names, ",") != "a-app,b-app" {
		t.Fatalf("names = %v, %v", names, err)
	}
	stop := errors.New("stop")
	err = h.svc.ListGroups(context.Background(), plugin.ListGroupsRequest{Call: call()}, func(plugin.Group) error { return stop })
	if !errors.Is(err, stop) {
		t.Fatalf("yield error not returned: %v", err)
	}
	ins, err := h.svc.ListIntegrations(context.Background(), plugin.IntegrationsRequest{Call: call(), Provider: "aws"})
	if err != nil || len(ins) != 0 {
		t.Fatalf("aws integrations = %+v, %v", ins, err)
	}
	ins, err = h.svc.ListIntegrations(context.Background(), plugin.IntegrationsRequest{Call: call(), Provider: "azure"})
	if err != nil || len(ins) != 1 {
		t.Fatalf("azure integrations = %+v, %v", ins, err)
	}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	h := newHarness()
	key := change("K", "tfy-fresh-key-xyz").Value
	st, err := h.svc.Login(context.Background(), plugin.LoginRequest{Call: call(), Key: key})
	if err != nil || st.Host != "https://demo.truefoundry.cloud" || st.Tenant != "demo" || st.KeySource != "keyring" {
		t.Fatalf("login = %+v, %v", st, err)
	}
	if !h.creds.keyring[st.Host].Equal(key) {
		t.Fatal("key not stored")
	}
	if out, err := h.svc.Logout(context.Background(), call()); err != nil || out.Host != st.Host || len(h.creds.keyring) != 0 {
		t.Fatalf("logout: %v, keyring %d", err, len(h.creds.keyring))
	}
	// A rejected key is not stored.
	h.api.failOn["Ping"] = &APIError{Op: "list secret groups", Status: 401, Message: "Unauthorized", Kind: ErrUnauthorized, Detail: "401 Unauthorized: " + "Unauthorized"}
	_, err = h.svc.Login(context.Background(), plugin.LoginRequest{Call: call(), Key: key})
	if failure.KindOf(err) != failure.Unauthorized || len(h.creds.keyring) != 0 {
		t.Fatalf("rejected login: %v, keyring %d", err, len(h.creds.keyring))
	}
	st, err = h.svc.GetAuthStatus(context.Background(), call())
	if err != nil || st.KeySource != "env TFY_API_KEY" || st.Tenant != "demo" {
		t.Fatalf("status = %+v, %v", st, err)
	}
	h.creds.key = secret.Value{}
	if _, err := h.svc.GetAuthStatus(context.Background(), call()); failure.KindOf(err) != failure.Unauthorized {
		t.Fatalf("status without key: %v", err)
	}
}

func TestHostTenant(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://my-org.truefoundry.cloud": "my-org",
		"http://127.0.0.1:8765":            "",
		"http://[::1]:80":                  "",
		"http://localhost:1":               "localhost",
		"::not a url":                      "",
	} {
		if got := hostTenant(in); got != want {
			t.Errorf("hostTenant(%q) = %q, want %q", in, got, want)
		}
	}
}

// A policy that refuses a read stops it before any value is fetched.
func TestDeniedReadFetchesNoValue(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.api.add("app", map[string]string{"A": "abcdefghijklmnopqrstuvwxyz"})
	h.dec.decide = func(in policydoc.Input) policydoc.Decision {
		return policydoc.Decision{Deny: []string{"reads of " + string(in.Operation) + " are closed"}}
	}
	c := call()
	c.ShowPrefix = true
	_, err := h.svc.GetGroup(context.Background(), plugin.GetGroupRequest{Call: c, Group: "app"})
	if failure.KindOf(err) != failure.Denied || !strings.Contains(err.Error(), "group.get are closed") {
		t.Fatalf("group get: %v", err)
	}
	_, err = h.svc.GetSecret(context.Background(), plugin.SecretRequest{Call: c, Secret: "app:A"})
	if failure.KindOf(err) != failure.Denied {
		t.Fatalf("secret get: %v", err)
	}
	if n := h.api.callCount("SecretByID") + h.api.callCount("SecretsWithValue"); n != 0 {
		t.Fatalf("%d value reads despite the deny", n)
	}
}

// fetchSignal is the fake API that says when a group list starts fetching.
type fetchSignal struct {
	*fakeAPI
	fetching chan struct{}
}

func (f fetchSignal) ListGroups(ctx context.Context, search string) iter.Seq2[Group, error] {
	close(f.fetching)
	return f.fakeAPI.ListGroups(ctx, search)
}

// The list decision overlaps the first page's fetch: a policy that only
// answers once the fetch has started would stall a sequential list.
func TestListGroupsDecidesWhileFetching(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.api.add("app", map[string]string{"A": "a"})
	api := fetchSignal{fakeAPI: h.api, fetching: make(chan struct{})}
	h.dec.decide = func(in policydoc.Input) policydoc.Decision {
		select {
		case <-api.fetching:
			return defaultDecision(in)
		case <-time.After(10 * time.Second):
			return policydoc.Decision{Deny: []string{"the decision did not overlap the fetch"}}
		}
	}
	svc := New(Options{
		Credentials: h.creds,
		Connect:     func(string, secret.Value, *slog.Logger) (API, error) { return api, nil },
		LoadPolicy:  func(context.Context, string, json.RawMessage) (Policy, error) { return h.dec, nil },
		Providers:   fakeProviders{},
	})
	var names []string
	err := svc.ListGroups(context.Background(), plugin.ListGroupsRequest{Call: call()}, func(g plugin.Group) error {
		names = append(names, g.Name)
		return nil
	})
	if err != nil || len(names) != 1 || names[0] != "app" {
		t.Fatalf("list: %v %v", names, err)
	}
}

// A denied list yields nothing, even though its fetch ran, and the deny wins
// over an API failure in the same call.
func TestDeniedListYieldsNothing(t *testing.T) {
	t.Parallel()
	for name, apiErr := range map[string]error{"api ok": nil, "api fails": errors.New("connection reset")} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness()
			h.api.add("app", map[string]string{"A": "a"})
			h.api.add("web", map[string]string{"B": "b"})
			if apiErr != nil {
				h.api.failOn["ListGroups"] = apiErr
			}
			h.dec.decide = func(policydoc.Input) policydoc.Decision {
				return policydoc.Decision{Deny: []string{"lists are closed"}}
			}
			yielded := 0
			err := h.svc.ListGroups(context.Background(), plugin.ListGroupsRequest{Call: call()}, func(plugin.Group) error {
				yielded++
				return nil
			})
			if failure.KindOf(err) != failure.Denied || !strings.Contains(err.Error(), "lists are closed") {
				t.Fatalf("list: %v", err)
			}
			if yielded != 0 {
				t.Fatalf("%d groups yielded despite the deny", yielded)
			}
		})
	}
}
