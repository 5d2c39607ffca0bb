package wiring_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/credentials"
	"github.com/tfy-secrets/tfy-secrets/internal/emulator"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/internal/secret"
	"github.com/tfy-secrets/tfy-secrets/internal/service"
	"github.com/tfy-secrets/tfy-secrets/internal/service/wiring"
	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
	"github.com/tfy-secrets/tfy-secrets/internal/tfyapi"
	"github.com/tfy-secrets/tfy-secrets/plugin"
	"github.com/tfy-secrets/tfy-secrets/providers/builtin"
)

// policyCache is shared by the tests so the default policy is compiled once
// per test binary, as it is once per user in production.
var policyCache string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tfy-service-policy-cache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	policyCache = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// memKeyring is the keyring for these tests: the OS keyring is exercised by
// the credentials package's own tests.
type memKeyring struct {
	mu sync.Mutex
	m  map[string]secret.Value
}

func (k *memKeyring) Get(_ context.Context, host string) (secret.Value, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	v, ok := k.m[host]
	if !ok {
		return secret.Value{}, credentials.ErrNotFound
	}
	return v, nil
}

func (k *memKeyring) Store(_ context.Context, host string, key secret.Value) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.m[host] = key
	return nil
}

func (k *memKeyring) Delete(_ context.Context, host string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.m, host)
	return nil
}

type env struct {
	srv     *emulator.Server
	svc     *service.Service
	client  *tfyapi.Client // a second, independent client to check what the API holds
	debug   *testkit.LockedBuffer
	keyring *memKeyring
	creds   *credentials.Resolver
}

func start(tb testing.TB, opts emulator.Options) *env {
	tb.Helper()
	opts.Addr = "127.0.0.1:0"
	srv, err := emulator.NewServer(opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = srv.Stop() })
	svc, creds, kr, debug := serviceFor(tb, srv.URL(), srv.APIKey())
	client, err := tfyapi.New(srv.URL(), secret.FromString(srv.APIKey()), fastRetry)
	if err != nil {
		tb.Fatal(err)
	}
	return &env{srv: srv, svc: svc, client: client, debug: debug, keyring: kr, creds: creds}
}

var fastRetry = tfyapi.WithRetryPolicy(tfyapi.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxRetryAfter: time.Millisecond})

// serviceFor is the real service for one host and key, with credentials
// resolved from an injected environment and an in-memory keyring.
func serviceFor(tb testing.TB, url, key string) (*service.Service, *credentials.Resolver, *memKeyring, *testkit.LockedBuffer) {
	tb.Helper()
	vars := map[string]string{"TFY_BASE_URL": url, "TFY_API_KEY": key}
	kr := &memKeyring{m: map[string]secret.Value{}}
	creds := credentials.New(credentials.Options{
		LookupEnv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok },
		WorkDir:   tb.TempDir(), HomeDir: tb.TempDir(), Keyring: kr,
	})
	debug := &testkit.LockedBuffer{}
	svc, err := wiring.New(wiring.Config{Credentials: creds, PolicyCache: policyCache, APIOptions: []tfyapi.Option{fastRetry}, Debug: debug})
	if err != nil {
		tb.Fatal(err)
	}
	return svc, creds, kr, debug
}

func (e *env) integration(tb testing.TB, typ string) string {
	tb.Helper()
	for _, in := range e.srv.Integrations() {
		if in.Type == typ {
			return in.ID
		}
	}
	tb.Fatalf("emulator has no %s integration", typ)
	return ""
}

// control posts to the emulator's test-only control endpoints.
func (e *env) control(tb testing.TB, path string, body any) {
	tb.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := http.Post(e.srv.URL()+path, "application/json", bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("%s: %s", path, resp.Status)
	}
}

// values reads every key's value through the independent client.
func (e *env) values(tb testing.TB, group string) map[string]string {
	tb.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for g, err := range e.client.ListGroups(ctx, tfyapi.ListGroupsOptions{FQN: "demo:" + group}) {
		if err != nil {
			tb.Fatal(err)
		}
		for s, err := range e.client.ListSecrets(ctx, tfyapi.ListSecretsOptions{GroupID: g.ID, WithValue: true}) {
			if err != nil {
				tb.Fatal(err)
			}
			out[s.Key] = s.Value.Reveal()
		}
	}
	return out
}

func cli() plugin.Call { return plugin.Call{Client: plugin.ClientCLI, Yes: true, Debug: true} }

func src(key, value string) plugin.Change {
	return plugin.Change{Key: key, Source: plugin.SourceEnv, Origin: "env " + key, Value: secret.FromString(value)}
}

func (e *env) run(tb testing.TB, req plugin.MutationRequest, typed string) (plugin.Plan, plugin.Result, error) {
	tb.Helper()
	ctx := context.Background()
	p, err := e.svc.PlanMutation(ctx, req)
	if err != nil {
		return p, plugin.Result{}, err
	}
	res, err := e.svc.ApplyPlan(ctx, plugin.ApplyRequest{Call: req.Call, PlanID: p.ID, Confirmed: true, TypedName: typed})
	return p, res, err
}

func TestLifecycleAgainstEmulator(t *testing.T) {
	t.Parallel()
	e := start(t, emulator.Options{})
	gsm := e.integration(t, "integration/secret-store/gcp/gsm")
	a, b, c, b2, d := testkit.Canary("CANARY-a-"), testkit.Canary("CANARY-b-"), testkit.Canary("CANARY-c-"), testkit.Canary("CANARY-b2-"), testkit.Canary("CANARY-d-")

	p, res, err := e.run(t, plugin.MutationRequest{Call: cli(), Operation: plugin.OpGroupCreate, Group: "app", IntegrationRef: gsm,
		Changes: []plugin.Change{src("A", a), src("B", b), src("C", c)}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if p.Confirm != plugin.ConfirmYes || p.Store != "gcp/gsm" || p.GroupFQN != "demo:app" || !res.Verified {
		t.Fatalf("create plan %+v result %+v", p, res)
	}

	// Default update merges: A and C are kept with their values.
	_, res, err = e.run(t, plugin.MutationRequest{Call: cli(), Operation: plugin.OpGroupUpdate, Group: "app",
		Changes: []plugin.Change{src("B", b2), src("D", d)}}, "")
	if err != nil || !res.Verified {
		t.Fatalf("merge: %+v %v", res, err)
	}
	if got, want := e.values(t, "app"), map[string]string{"A": a, "B": b2, "C": c, "D": d}; !mapsEqual(got, want) {
		t.Fatalf("after merge: %v", slices.Sorted(maps.Keys(got)))
	}

	_, _, err = e.run(t, plugin.MutationRequest{Call: cli(), Operation: plugin.OpGroupUpdate, Group: "demo:app", Unset: []string{"C"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(e.values(t, "app"))); !slices.Equal(got, []string{"A", "B", "D"}) {
		t.Fatalf("after unset: %v", got)
	}

	// Reads: masked by default, prefix only when asked and long enough.
	g, err := e.svc.GetGroup(context.Background(), plugin.GetGroupRequest{Call: cli(), Group: "app"})
	if err != nil || len(g.Secrets) != 3 || g.Integration.Store != "gsm" {
		t.Fatalf("get: %+v %v", g, err)
	}
	for _, s := range g.Secrets {
		if s.Masked != "(set)" || s.FQN != "demo:app:"+s.Key {
			t.Fatalf("secret %+v", s)
		}
	}
	show := cli()
	show.ShowPrefix = true
	info, err := e.svc.GetSecret(context.Background(), plugin.SecretRequest{Call: show, Secret: "tfy-secret://demo:app:A"})
	if err != nil || info.Masked != "CANA***" {
		t.Fatalf("secret get --show-prefix: %+v %v", info, err)
	}
	ref, err := e.svc.MakeRef(context.Background(), plugin.RefRequest{Call: cli(), Group: "app", Key: "D"})
	if err != nil || ref != "tfy-secret://demo:app:D" {
		t.Fatalf("ref = %q %v", ref, err)
	}

	// --replace keeps exactly the named keys, and the plan says which go.
	p, _, err = e.run(t, plugin.MutationRequest{Call: cli(), Operation: plugin.OpGroupUpdate, Group: "app", Replace: true,
		Changes: []plugin.Change{src("A", a)}}, "")
	if err != nil {
		t.Fatal(err)
	}
	var removed []string
	for _, ch := range p.Changes {
		if ch.Action == plugin.ActionRemove {
			removed = append(removed, ch.Key)
		}
	}
	if !slices.Equal(removed, []string{"B", "D"}) || !slices.Equal(slices.Sorted(maps.Keys(e.values(t, "app"))), []string{"A"}) {
		t.Fatalf("replace removed %v, left %v", removed, slices.Sorted(maps.Keys(e.values(t, "app"))))
	}

	// The last key cannot go; the group can, with its name typed.
	_, _, err = e.run(t, plugin.MutationRequest{Call: cli(), Operation: plugin.OpSecretDelete, Secret: "app:A"}, "")
	if failure.KindOf(err) != failure.Usage {
		t.Fatalf("deleting the last key: %v", err)
	}
	_, _, err = e.run(t, plugin.MutationRequest{Call: cli(), Operation: plugin.OpGroupDelete, Group: "app"}, "wrong")
	if failure.KindOf(err) != failure.NotConfirmed {
		t.Fatalf("delete with a wrong name: %v", err)
	}
	_, res, err = e.run(t, plugin.MutationRequest{Call: cli(), Operation: plugin.OpGroupDelete, Group: "app"}, "app")
	if err != nil || !res.Verified {
		t.Fatalf("delete: %+v %v", res, err)
	}
	if _, err := e.svc.GetGroup(context.Background(), plugin.GetGroupRequest{Call: cli(), Group: "app"}); failure.KindOf(err) != failure.NotFound {
		t.Fatalf("get after delete: %v", err)
	}

	for _, v := range []string{a, b, c, b2, d} {
		if strings.Contains(e.debug.String(), v) || strings.Contains(e.debug.String(), v[4:]) {
			t.Fatal("a value reached the debug log")
		}
	}
	if !strings.Contains(e.debug.String(), "PUT") {
		t.Fatal("debug log has no request lines; the canary check above proved nothing")
	}
}

// The emulator's concurrent writer adds a key right after the plan reads the
// group. Apply must stop with a conflict and the other writer's key must
// survive, along with every existing key.
func TestConcurrentWriterConflictLosesNothing(t *testing.T) {
	t.Parallel()
	e := start(t, emulator.Options{})
	gsm := e.integration(t, "integration/secret-store/gcp/gsm")
	if _, _, err := e.run(t, plugin.MutationRequest{Call: cli(), Operation: plugin.OpGroupCreate, Group: "app", IntegrationRef: gsm,
		Changes: []plugin.Change{src("A", "a-value"), src("B", "b-value")}}, ""); err != nil {
		t.Fatal(err)
	}
	e.control(t, "/_emulator/concurrent-writer", map[string]string{"group": "app", "addKey": "THEIRS"})
	_, _, err := e.run(t, plugin.MutationRequest{Call: cli(), Operation: plugin.OpGroupUpdate, Group: "app", Replace: true,
		Changes: []plugin.Change{src("A", "a-new")}}, "")
	fe := failure.As(err)
	if fe.Kind != failure.Conflict || fe.Kind.ExitCode() != 6 || !strings.Contains(fe.Message, "changed since the plan was made") || !strings.Contains(fe.Message, "THEIRS") {
		t.Fatalf("err = %v", err)
	}
	got := e.values(t, "app")
	if !slices.Equal(slices.Sorted(maps.Keys(got)), []string{"A", "B", "THEIRS"}) || got["A"] != "a-value" {
		t.Fatalf("after the conflict: %v", got)
	}
}

// A write whose answer is lost is not retried; the service re-reads and says
// what happened.
func TestLostAnswerIsReportedPrecisely(t *testing.T) {
	t.Parallel()
	for _, drop := range []string{"before", "after"} {
		t.Run(drop, func(t *testing.T) {
			t.Parallel()
			e := start(t, emulator.Options{})
			gsm := e.integration(t, "integration/secret-store/gcp/gsm")
			if _, _, err := e.run(t, plugin.MutationRequest{Call: cli(), Operation: plugin.OpGroupCreate, Group: "app", IntegrationRef: gsm,
				Changes: []plugin.Change{src("A", "a-value"), src("B", "b-value")}}, ""); err != nil {
				t.Fatal(err)
			}
			e.control(t, "/_emulator/faults", map[string]any{"method": "PUT", "pathPrefix": "/api/svc/v1/secret-groups/", "drop": drop, "count": 1})
			_, _, err := e.run(t, plugin.MutationRequest{Call: cli(), Operation: plugin.OpGroupUpdate, Group: "app", Unset: []string{"B"}}, "")
			want := map[string]string{"before": "keys are unchanged", "after": "most likely applied"}[drop]
			if failure.KindOf(err) != failure.Unavailable || !strings.Contains(err.Error(), want) {
				t.Fatalf("err = %v, want %q", err, want)
			}
			wantKeys := map[string][]string{"before": {"A", "B"}, "after": {"A"}}[drop]
			if got := e.values(t, "app"); !slices.Equal(slices.Sorted(maps.Keys(got)), wantKeys) || got["A"] != "a-value" {
				t.Fatalf("stored: %v", got)
			}
		})
	}
}

func TestStoreRulesAndExplanations(t *testing.T) {
	t.Parallel()
	e := start(t, emulator.Options{})
	azure := e.integration(t, "integration/secret-store/azure/vault")
	// The default policy refuses an underscore key for Azure before any
	// value is sent.
	_, _, err := e.run(t, plugin.MutationRequest{Call: cli(), Operation: plugin.OpGroupCreate, Group: "az", IntegrationRef: azure,
		Changes: []plugin.Change{src("DB_PASSWORD", "x")}}, "")
	if failure.KindOf(err) != failure.Denied || !strings.Contains(err.Error(), "DB-PASSWORD") {
		t.Fatalf("underscore on azure: %v", err)
	}
	// A raw value is refused, naming the key only.
	lit := testkit.Canary("CANARY-literal-")
	_, _, err = e.run(t, plugin.MutationRequest{Call: cli(), Operation: plugin.OpGroupCreate, Group: "az", IntegrationRef: azure,
		Changes: []plugin.Change{{Key: "TOKEN", Source: plugin.SourceLiteral, Value: secret.FromString(lit)}}}, "")
	if failure.KindOf(err) != failure.Denied || !strings.Contains(err.Error(), "TOKEN") || strings.Contains(err.Error(), lit) {
		t.Fatalf("literal: %v", err)
	}
	// Several stores and no choice: the error lists them.
	_, _, err = e.run(t, plugin.MutationRequest{Call: cli(), Operation: plugin.OpGroupCreate, Group: "x", Changes: []plugin.Change{src("K", "v")}}, "")
	if failure.KindOf(err) != failure.Usage || !strings.Contains(failure.As(err).Hint, "--integration") {
		t.Fatalf("no integration chosen: %v", err)
	}
	// A duplicate name is refused at plan time.
	if _, _, err := e.run(t, plugin.MutationRequest{Call: cli(), Operation: plugin.OpGroupCreate, Group: "az", IntegrationRef: azure,
		Changes: []plugin.Change{src("K", "v")}}, ""); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.run(t, plugin.MutationRequest{Call: cli(), Operation: plugin.OpGroupCreate, Group: "az", IntegrationRef: azure,
		Changes: []plugin.Change{src("K", "v")}}, "")
	if failure.KindOf(err) != failure.Conflict {
		t.Fatalf("duplicate: %v", err)
	}
}

func TestAuthAgainstEmulator(t *testing.T) {
	t.Parallel()
	e := start(t, emulator.Options{})
	_, err := e.svc.Login(context.Background(), plugin.LoginRequest{Call: cli(), Key: secret.FromString("not-a-valid-key")})
	if failure.KindOf(err) != failure.Unauthorized || len(e.keyring.m) != 0 {
		t.Fatalf("bad key: %v (keyring %d)", err, len(e.keyring.m))
	}
	st, err := e.svc.Login(context.Background(), plugin.LoginRequest{Call: cli(), Key: secret.FromString(e.srv.APIKey())})
	if err != nil || st.Tenant != "demo" || len(e.keyring.m) != 1 {
		t.Fatalf("login: %+v %v", st, err)
	}
	st, err = e.svc.GetAuthStatus(context.Background(), cli())
	if err != nil || st.KeySource != "env TFY_API_KEY" || st.Host != e.srv.URL() {
		t.Fatalf("status: %+v %v", st, err)
	}
	info, err := e.svc.ShowPolicy(context.Background(), cli())
	if err != nil || len(info.Modules) == 0 {
		t.Fatalf("policy show: %+v %v", info, err)
	}
	out, err := e.svc.EvalPolicy(context.Background(), plugin.PolicyEvalRequest{Call: cli(),
		Input: []byte(`{"operation":"group.delete","tenant":"demo","group":{"name":"g","id":"","fqn":""},"integration":{"id":"","fqn":"","type":"","provider":""},"changes":[],"secrets":[],"context":{"client":"cli","interactive":false,"yes":true,"confirm_name":"","dry_run":false,"ci":false,"show_prefix":false}}`)})
	if err != nil || !strings.Contains(string(out), `"confirm":"typed"`) {
		t.Fatalf("policy eval: %s %v", out, err)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// BenchmarkUpdate1000Keys is design section 9's budget: plan and apply an
// update (one key rotated, 999 kept) of a 1,000-key group against the
// emulator, including the re-read and the verification. "policy=default"
// is the real thing; "policy=allow" swaps in a policy that allows
// everything, to show how the time splits between policy and the rest.
func BenchmarkUpdate1000Keys(b *testing.B) {
	b.Run("policy=default", func(b *testing.B) { benchUpdate(b, start(b, emulator.Options{})) })
	b.Run("policy=allow", func(b *testing.B) {
		e := start(b, emulator.Options{})
		st := wiring.NewStores(builtin.Registry())
		e.svc = service.New(service.Options{
			Credentials: e.creds,
			Connect:     wiring.Connect(st),
			LoadPolicy: func(context.Context, string, json.RawMessage) (service.Policy, error) {
				return allowAll{}, nil
			},
			Providers: st,
		})
		benchUpdate(b, e)
	})
}

type allowAll struct{}

func (allowAll) Decide(context.Context, policydoc.Input) (policydoc.Decision, error) {
	return policydoc.Decision{Confirm: plugin.ConfirmYes}, nil
}
func (allowAll) EvalJSON(context.Context, []byte) ([]byte, error) { return []byte("{}"), nil }
func (allowAll) Modules() []plugin.PolicyModule                   { return nil }

func benchUpdate(b *testing.B, e *env) {
	gsm := e.integration(b, "integration/secret-store/gcp/gsm")
	var changes []plugin.Change
	for i := range 1000 {
		changes = append(changes, src(fmt.Sprintf("KEY-%04d", i), fmt.Sprintf("value-%04d", i)))
	}
	c := plugin.Call{Client: plugin.ClientCLI, Yes: true}
	if _, _, err := e.run(b, plugin.MutationRequest{Call: c, Operation: plugin.OpGroupCreate,
		Group: "big", IntegrationRef: gsm, Changes: changes}, ""); err != nil {
		b.Fatal(err)
	}
	for i := 0; b.Loop(); i++ {
		if _, _, err := e.run(b, plugin.MutationRequest{Call: c, Operation: plugin.OpGroupUpdate, Group: "big",
			Changes: []plugin.Change{src("KEY-0000", fmt.Sprintf("rotated-%d", i))}}, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// A control plane that hides values still answers --show-prefix, with
// "(set)" and a warning instead of an error.
func TestValueViewDisabled(t *testing.T) {
	t.Parallel()
	e := start(t, emulator.Options{DisableValueView: true})
	gsm := e.integration(t, "integration/secret-store/gcp/gsm")
	if _, _, err := e.run(t, plugin.MutationRequest{Call: cli(), Operation: plugin.OpGroupCreate, Group: "hidden", IntegrationRef: gsm,
		Changes: []plugin.Change{src("LONG", strings.Repeat("v", 40))}}, ""); err != nil {
		t.Fatal(err)
	}
	show := cli()
	show.ShowPrefix = true
	g, err := e.svc.GetGroup(context.Background(), plugin.GetGroupRequest{Call: show, Group: "hidden"})
	if err != nil || len(g.Secrets) != 1 || g.Secrets[0].Masked != "(set)" || len(g.Warnings) == 0 || !strings.Contains(g.Warnings[0], "value viewing is disabled") {
		t.Fatalf("%+v %v", g, err)
	}
	info, err := e.svc.GetSecret(context.Background(), plugin.SecretRequest{Call: show, Secret: "hidden:LONG"})
	if err != nil || info.Masked != "(set)" {
		t.Fatalf("%+v %v", info, err)
	}
}

// Re-adding a key that Azure still holds soft-deleted fails with the
// provider's explanation (vault name and recovery commands), through the real
// registry and the integration settings the adapter remembered.
func TestAzureSoftDeleteExplained(t *testing.T) {
	t.Parallel()
	e := start(t, emulator.Options{})
	azure := e.integration(t, "integration/secret-store/azure/vault")
	if _, _, err := e.run(t, plugin.MutationRequest{Call: cli(), Operation: plugin.OpGroupCreate, Group: "az", IntegrationRef: azure,
		Changes: []plugin.Change{src("DB-PASSWORD", "one"), src("API-KEY", "two")}}, ""); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.run(t, plugin.MutationRequest{Call: cli(), Operation: plugin.OpSecretDelete, Secret: "az:DB-PASSWORD"}, ""); err != nil {
		t.Fatal(err)
	}
	_, _, err := e.run(t, plugin.MutationRequest{Call: cli(), Operation: plugin.OpGroupUpdate, Group: "az",
		Changes: []plugin.Change{src("DB-PASSWORD", "three")}}, "")
	fe := failure.As(err)
	if fe.Kind != failure.Conflict || !strings.Contains(fe.Message, "soft-deleted") || !strings.Contains(fe.Hint, "az keyvault secret purge --vault-name") ||
		strings.Contains(fe.Hint, "<vault>") {
		t.Fatalf("err = %v\nhint: %s", err, fe.Hint)
	}
	if got := slices.Sorted(maps.Keys(e.values(t, "az"))); !slices.Equal(got, []string{"API-KEY"}) {
		t.Fatalf("after the refused update: %v", got)
	}
}

// manifest migrate creates the group the first time and merges afterwards,
// keeping keys the manifest does not mention.
func TestManifestMigrateAgainstEmulator(t *testing.T) {
	t.Parallel()
	e := start(t, emulator.Options{})
	gsm := e.integration(t, "integration/secret-store/gcp/gsm")
	fromManifest := func(k, v string) plugin.Change {
		return plugin.Change{Key: k, Source: plugin.SourceManifest, Origin: "manifest env " + k, Value: secret.FromString(v)}
	}
	migrate := plugin.MutationRequest{Call: cli(), Operation: plugin.OpManifestMigrate, Group: "svc", IntegrationRef: gsm,
		Changes: []plugin.Change{fromManifest("DB_URL", "postgres://one"), fromManifest("TOKEN", "t1")}}
	if _, res, err := e.run(t, migrate, ""); err != nil || !res.Verified || res.Operation != plugin.OpManifestMigrate {
		t.Fatalf("first migrate: %+v %v", res, err)
	}
	if _, _, err := e.run(t, plugin.MutationRequest{Call: cli(), Operation: plugin.OpGroupUpdate, Group: "svc",
		Changes: []plugin.Change{src("EXTRA", "x")}}, ""); err != nil {
		t.Fatal(err)
	}
	// A different value for a key the group holds is a conflict unless
	// the request says to overwrite it.
	migrate.Changes = []plugin.Change{fromManifest("TOKEN", "t2")}
	if _, _, err := e.run(t, migrate, ""); failure.KindOf(err) != failure.Conflict || !strings.Contains(err.Error(), "TOKEN") {
		t.Fatalf("second migrate without overwrite: %v", err)
	}
	migrate.Overwrite = true
	if _, _, err := e.run(t, migrate, ""); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"DB_URL": "postgres://one", "TOKEN": "t2", "EXTRA": "x"}
	if got := e.values(t, "svc"); !mapsEqual(got, want) {
		t.Fatalf("after the second migrate: %v", slices.Sorted(maps.Keys(got)))
	}
}

// On Azure Key Vault, which refuses '_', a migrated DB_PASSWORD is stored
// as DB-PASSWORD by the real providers, and the plan says so.
func TestManifestMigrateNamesAzureKeys(t *testing.T) {
	t.Parallel()
	e := start(t, emulator.Options{})
	az := e.integration(t, "integration/secret-store/azure/vault")
	migrate := plugin.MutationRequest{Call: cli(), Operation: plugin.OpManifestMigrate, Group: "web", IntegrationRef: az,
		Changes: []plugin.Change{{Key: "DB_PASSWORD", Source: plugin.SourceManifest, Origin: "manifest env.DB_PASSWORD", Value: secret.FromString("pw-1")}}}
	plan, res, err := e.run(t, migrate, "")
	if err != nil || !res.Verified {
		t.Fatalf("migrate: %+v %v", res, err)
	}
	if len(plan.Changes) != 1 || plan.Changes[0].Key != "DB-PASSWORD" || plan.Changes[0].From != "DB_PASSWORD" {
		t.Fatalf("plan changes = %+v", plan.Changes)
	}
	if got := e.values(t, "web"); !mapsEqual(got, map[string]string{"DB-PASSWORD": "pw-1"}) {
		t.Fatalf("stored keys: %v", slices.Sorted(maps.Keys(got)))
	}
}

// A viewer key reads keys but cannot write or see values: the failures are
// the right kinds with the right advice.
func TestViewerAndRejectedKeys(t *testing.T) {
	t.Parallel()
	e := start(t, emulator.Options{})
	gsm := e.integration(t, "integration/secret-store/gcp/gsm")
	if _, _, err := e.run(t, plugin.MutationRequest{Call: cli(), Operation: plugin.OpGroupCreate, Group: "app", IntegrationRef: gsm,
		Changes: []plugin.Change{src("A", strings.Repeat("a", 32))}}, ""); err != nil {
		t.Fatal(err)
	}
	viewerKey := testkit.Canary("viewer-")
	if err := e.srv.AddAPIKey(viewerKey, emulator.RoleViewer); err != nil {
		t.Fatal(err)
	}
	viewer, _, _, _ := serviceFor(t, e.srv.URL(), viewerKey)
	ve := &env{srv: e.srv, svc: viewer}
	show := cli()
	show.ShowPrefix = true
	g, err := viewer.GetGroup(context.Background(), plugin.GetGroupRequest{Call: show, Group: "demo:app"})
	if err != nil || len(g.Secrets) != 1 || g.Secrets[0].Masked != "(set)" {
		t.Fatalf("viewer get: %+v %v", g, err)
	}
	_, _, err = ve.run(t, plugin.MutationRequest{Call: cli(), Operation: plugin.OpGroupUpdate, Group: "demo:app",
		Changes: []plugin.Change{src("A", "new")}}, "")
	fe := failure.As(err)
	if fe.Kind != failure.Forbidden || fe.Kind.ExitCode() != 4 || !strings.Contains(fe.Message, "permissions") {
		t.Fatalf("viewer write: %v", err)
	}
	rejected, _, _, _ := serviceFor(t, e.srv.URL(), testkit.Canary("unknown-"))
	_, err = rejected.GetGroup(context.Background(), plugin.GetGroupRequest{Call: cli(), Group: "demo:app"})
	fe = failure.As(err)
	if fe.Kind != failure.Unauthorized || fe.Kind.ExitCode() != 3 || !strings.Contains(fe.Hint, "auth login") {
		t.Fatalf("unknown key: %v (hint %q)", err, fe.Hint)
	}
	if got := e.values(t, "app"); got["A"] != strings.Repeat("a", 32) {
		t.Fatal("the refused write changed the value")
	}
}
