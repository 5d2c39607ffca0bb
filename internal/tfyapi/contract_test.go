package tfyapi_test

// The contract suite drives the client through every endpoint and every
// documented error against a live API: the emulator by default, or a real
// tenant when TFY_CONTRACT_BASE_URL and TFY_CONTRACT_API_KEY are set. In
// the real-tenant mode it creates only groups named tfy-secrets-contract-*
// and deletes them again, and it skips the cases that need the emulator's
// control endpoints (faults, roles, start-up switches); in every other mode
// nothing is skipped.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/emulator"
	"github.com/tfy-secrets/tfy-secrets/internal/secret"
	"github.com/tfy-secrets/tfy-secrets/internal/tfyapi"
)

// The environment of the real-tenant mode.
const (
	envContractBaseURL     = "TFY_CONTRACT_BASE_URL"
	envContractAPIKey      = "TFY_CONTRACT_API_KEY"
	envContractIntegration = "TFY_CONTRACT_INTEGRATION_ID" // optional: which secret store to create groups in
	contractPrefix         = "tfy-secrets-contract-"
)

// target is one API under test.
type target struct {
	t       *testing.T
	baseURL string
	key     secret.Value
	emu     *emulator.Server // nil against a real tenant
	client  *tfyapi.Client

	mu       sync.Mutex
	canaries []string // every value planted; none may show up in logs or errors
	logs     []string
	errs     []string
}

func realTenant() bool {
	return os.Getenv(envContractBaseURL) != "" && os.Getenv(envContractAPIKey) != ""
}

// newTarget starts a private emulator (or connects to the real tenant).
func newTarget(t *testing.T, opts emulator.Options) *target {
	t.Helper()
	tg := &target{t: t}
	if realTenant() {
		tg.baseURL = os.Getenv(envContractBaseURL)
		tg.key = secret.FromString(os.Getenv(envContractAPIKey))
	} else {
		if opts.Tenant == "" {
			opts.Tenant = "contract"
		}
		if alternateForms() {
			opts.FullIntegrationType, opts.OmitGroupName = true, true
		}
		opts.Addr = "127.0.0.1:0"
		emu, err := emulator.NewServer(opts)
		if err != nil {
			t.Fatalf("start emulator: %v", err)
		}
		t.Cleanup(func() {
			if err := emu.Stop(); err != nil {
				t.Errorf("stop emulator: %v", err)
			}
		})
		tg.emu = emu
		tg.baseURL = emu.URL()
		tg.key = secret.FromString(emu.APIKey())
	}
	tg.client = tg.newClient(tg.key)
	t.Cleanup(tg.checkNoLeak)
	return tg
}

// newClient returns a client whose debug lines are kept for the leak check
// and whose backoff is short, so retries cost milliseconds.
func (tg *target) newClient(key secret.Value, opts ...tfyapi.Option) *tfyapi.Client {
	tg.t.Helper()
	base := []tfyapi.Option{
		tfyapi.WithRetryPolicy(tfyapi.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, MaxRetryAfter: 20 * time.Millisecond}),
		tfyapi.WithDebug(func(format string, args ...any) {
			tg.mu.Lock()
			tg.logs = append(tg.logs, fmt.Sprintf(format, args...))
			tg.mu.Unlock()
		}),
	}
	c, err := tfyapi.New(tg.baseURL, key, append(base, opts...)...)
	if err != nil {
		tg.t.Fatalf("new client: %v", err)
	}
	return c
}

// emulatorOnly skips a case that needs the emulator, and only in the
// real-tenant mode.
func (tg *target) emulatorOnly() {
	tg.t.Helper()
	if tg.emu == nil {
		tg.t.Skip("needs the emulator's control endpoints or start-up switches")
	}
}

// value plants a unique canary value.
func (tg *target) value(label string) secret.Value {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		tg.t.Fatal(err)
	}
	v := "contract-canary-" + label + "-" + hex.EncodeToString(b)
	tg.mu.Lock()
	tg.canaries = append(tg.canaries, v)
	tg.mu.Unlock()
	return secret.FromString(v)
}

// wantErr asserts err matches sentinel (reporting on t, which may be a
// subtest) and keeps its text for the leak check.
func (tg *target) wantErr(t *testing.T, what string, err, sentinel error) {
	t.Helper()
	if err != nil {
		tg.mu.Lock()
		tg.errs = append(tg.errs, err.Error(), fmt.Sprintf("%#v", err))
		tg.mu.Unlock()
	}
	if !errors.Is(err, sentinel) {
		t.Errorf("%s: err = %v, want %v", what, err, sentinel)
	}
}

func (tg *target) checkNoLeak() {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	all := append(append([]string{}, tg.logs...), tg.errs...)
	for _, c := range append([]string{tg.key.Reveal()}, tg.canaries...) {
		for _, s := range all {
			if strings.Contains(s, c) {
				tg.t.Errorf("a secret leaked into %q", s)
			}
		}
	}
}

// wantVersion checks a secret's latest version and its version list. The
// emulator always reports versions; whether a real tenant includes
// secretVersions in GET /secrets/{id} is unknown (truefoundry-api.md 4.8),
// so there the check applies when versions are present.
func (tg *target) wantVersion(what string, s tfyapi.Secret, want int) {
	tg.t.Helper()
	if tg.emu == nil && len(s.Versions) == 0 {
		return
	}
	if s.Version != want || len(s.Versions) != want {
		tg.t.Errorf("%s: version %d with %d versions, want %d of %d", what, s.Version, len(s.Versions), want, want)
	}
}

// logCount counts debug lines containing s (one line per HTTP attempt).
func (tg *target) logCount(s string) int {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	n := 0
	for _, l := range tg.logs {
		if strings.Contains(l, s) {
			n++
		}
	}
	return n
}

// control posts to the emulator's control endpoints.
func (tg *target) control(method, path string, body any) {
	tg.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		tg.t.Fatal(err)
	}
	req, err := http.NewRequest(method, tg.emu.URL()+path, bytes.NewReader(b))
	if err != nil {
		tg.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tg.t.Fatalf("control %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		tg.t.Fatalf("control %s %s: status %d", method, path, resp.StatusCode)
	}
}

func (tg *target) fault(f emulator.FaultRule) {
	tg.t.Helper()
	tg.control(http.MethodPost, "/_emulator/faults", f)
}

// store picks the integration groups are created in: in the emulator the
// one of the given type, in a real tenant TFY_CONTRACT_INTEGRATION_ID or
// the first secret store.
func (tg *target) store(typ string) tfyapi.Integration {
	tg.t.Helper()
	ins, err := tg.client.SecretStoreIntegrations(context.Background())
	if err != nil {
		tg.t.Fatalf("list integrations: %v", err)
	}
	want := os.Getenv(envContractIntegration)
	for _, in := range ins {
		switch {
		case tg.emu != nil && in.Type == typ,
			tg.emu == nil && (want == "" || in.ID == want):
			return in
		}
	}
	tg.t.Fatalf("no secret-store integration to use among %+v", ins)
	return tfyapi.Integration{}
}

func uniqueName(t *testing.T) string {
	b := make([]byte, 5)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return contractPrefix + hex.EncodeToString(b)
}

// createGroup creates a group that is deleted when the test ends, even
// when it fails midway (that matters against a real tenant).
func (tg *target) createGroup(name string, in tfyapi.Integration, secrets ...tfyapi.SecretInput) tfyapi.SecretGroup {
	tg.t.Helper()
	g, err := tg.client.CreateGroup(context.Background(), tfyapi.CreateGroupInput{Name: name, IntegrationID: in.ID, Secrets: secrets})
	if err != nil {
		tg.t.Fatalf("create group %s: %v", name, err)
	}
	tg.t.Cleanup(func() { tg.deleteQuietly(g.ID) })
	return g
}

func (tg *target) deleteQuietly(id string) {
	err := tg.client.DeleteGroup(context.Background(), id, true)
	if err != nil && !errors.Is(err, tfyapi.ErrNotFound) {
		tg.t.Errorf("clean up group %s: %v", id, err)
	}
}

// groupKeys returns the keys of g's secrets, sorted.
func groupKeys(g tfyapi.SecretGroup) []string {
	var ks []string
	for _, s := range g.Secrets {
		ks = append(ks, s.Key)
	}
	slices.Sort(ks)
	return ks
}

func groupsMatching(t *testing.T, c *tfyapi.Client, opts tfyapi.ListGroupsOptions) []tfyapi.SecretGroup {
	t.Helper()
	var out []tfyapi.SecretGroup
	for g, err := range c.ListGroups(context.Background(), opts) {
		if err != nil {
			t.Fatalf("list groups %+v: %v", opts, err)
		}
		out = append(out, g)
	}
	return out
}

func secretsMatching(t *testing.T, c *tfyapi.Client, opts tfyapi.ListSecretsOptions) map[string]tfyapi.Secret {
	t.Helper()
	out := map[string]tfyapi.Secret{}
	for s, err := range c.ListSecrets(context.Background(), opts) {
		if err != nil {
			t.Fatalf("list secrets %+v: %v", opts, err)
		}
		out[s.Key] = s
	}
	return out
}

func TestContractIntegrations(t *testing.T) {
	t.Parallel()
	tg := newTarget(t, emulator.Options{})
	ins, err := tg.client.SecretStoreIntegrations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ins) == 0 {
		t.Fatal("no secret-store integrations")
	}
	for _, in := range ins {
		if in.ID == "" || in.FQN == "" || in.Category != "secret-store" || in.Provider == "" || in.Name == "" {
			t.Errorf("incomplete integration %+v", in)
		}
		if in.Type != "" && !strings.HasPrefix(in.Type, "integration/secret-store/") {
			t.Errorf("integration %s has type %q", in.ID, in.Type)
		}
	}
	if tg.emu == nil {
		return
	}
	// The emulator starts with one store of each type and a docker
	// registry, which must be filtered out.
	var want []string
	for _, in := range tg.emu.Integrations() {
		if strings.HasPrefix(in.Type, "integration/secret-store/") {
			want = append(want, in.ID+" "+in.Type)
		}
	}
	var got []string
	for _, in := range ins {
		got = append(got, in.ID+" "+in.Type)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("integrations\n got %v\nwant %v", got, want)
	}
	for _, in := range ins {
		if in.Type == emulator.TypeAzureVault && in.Config["key_vault_name"] == "" {
			t.Errorf("azure vault without key_vault_name: %+v", in)
		}
	}
}

func TestContractNoSecretStore(t *testing.T) {
	t.Parallel()
	tg := newTarget(t, emulator.Options{NoSecretStore: true})
	tg.emulatorOnly()
	ins, err := tg.client.SecretStoreIntegrations(context.Background())
	if err != nil || len(ins) != 0 {
		t.Errorf("integrations = %+v, %v; want none", ins, err)
	}
}

// TestContractGroupLifecycle walks create, read, list, rotate, keep, add,
// remove, versions, delete secret and delete group.
func TestContractGroupLifecycle(t *testing.T) {
	t.Parallel()
	tg := newTarget(t, emulator.Options{})
	ctx := context.Background()
	c := tg.client
	in := tg.store(emulator.TypeGCPGSM)
	name := uniqueName(t)
	dbPass, apiKey := tg.value("db"), tg.value("api")

	g := tg.createGroup(name, in, tfyapi.SecretInput{Key: "DB-PASSWORD", Value: dbPass}, tfyapi.SecretInput{Key: "API-KEY", Value: apiKey})
	if g.ID == "" || g.Name != name || g.IntegrationID != in.ID || g.TenantName == "" || g.FQN != g.TenantName+":"+name {
		t.Fatalf("created group %+v", g)
	}
	if got := groupKeys(g); !slices.Equal(got, []string{"API-KEY", "DB-PASSWORD"}) {
		t.Errorf("created keys %v", got)
	}
	if g.CreatedAt.IsZero() || g.UpdatedAt.IsZero() {
		t.Errorf("timestamps missing: %+v", g)
	}
	for _, s := range g.Secrets {
		if s.Value.IsSet() || s.ID == "" || s.FQN != g.FQN+":"+s.Key || s.GroupID != g.ID {
			t.Errorf("group secret %+v", s)
		}
	}

	got, err := c.GetGroup(ctx, g.ID)
	if err != nil || got.ID != g.ID || got.Name != name || !slices.Equal(groupKeys(got), groupKeys(g)) {
		t.Fatalf("get group = %+v, %v", got, err)
	}

	if byFQN := groupsMatching(t, c, tfyapi.ListGroupsOptions{FQN: g.FQN}); len(byFQN) != 1 || byFQN[0].ID != g.ID || len(byFQN[0].Secrets) != 2 {
		t.Errorf("list by fqn = %+v", byFQN)
	}
	if bySearch := groupsMatching(t, c, tfyapi.ListGroupsOptions{Search: name}); len(bySearch) != 1 || bySearch[0].ID != g.ID {
		t.Errorf("list by search = %+v", bySearch)
	}

	plain := secretsMatching(t, c, tfyapi.ListSecretsOptions{GroupID: g.ID})
	if len(plain) != 2 || plain["DB-PASSWORD"].Value.IsSet() {
		t.Errorf("list secrets without values = %+v", plain)
	}
	withValues := secretsMatching(t, c, tfyapi.ListSecretsOptions{GroupID: g.ID, WithValue: true})
	if !withValues["DB-PASSWORD"].Value.Equal(dbPass) || !withValues["API-KEY"].Value.Equal(apiKey) {
		t.Errorf("list secrets with values did not return the planted values")
	}
	byFQN := secretsMatching(t, c, tfyapi.ListSecretsOptions{FQNs: []string{"tfy-secret://" + g.FQN + ":API-KEY"}, WithValue: true})
	if len(byFQN) != 1 || !byFQN["API-KEY"].Value.Equal(apiKey) {
		t.Errorf("list secrets by reference = %+v", byFQN)
	}

	dbID := plain["DB-PASSWORD"].ID
	s, err := c.GetSecret(ctx, dbID)
	if err != nil || !s.Value.Equal(dbPass) || s.Key != "DB-PASSWORD" || s.GroupID != g.ID {
		t.Fatalf("get secret = %+v, %v", s, err)
	}
	tg.wantVersion("created secret", s, 1)

	// Rotate DB-PASSWORD, keep API-KEY without resending it, add LOG-TOKEN.
	newPass, logTok := tg.value("db2"), tg.value("log")
	up, err := c.UpdateGroup(ctx, g.ID, []tfyapi.SecretInput{{Key: "DB-PASSWORD", Value: newPass}, {Key: "API-KEY"}, {Key: "LOG-TOKEN", Value: logTok}})
	if err != nil || !slices.Equal(groupKeys(up), []string{"API-KEY", "DB-PASSWORD", "LOG-TOKEN"}) {
		t.Fatalf("update = %+v, %v", up, err)
	}
	after := secretsMatching(t, c, tfyapi.ListSecretsOptions{GroupID: g.ID, WithValue: true})
	if !after["DB-PASSWORD"].Value.Equal(newPass) || !after["API-KEY"].Value.Equal(apiKey) || !after["LOG-TOKEN"].Value.Equal(logTok) {
		t.Errorf("values after update are not rotate/keep/add")
	}
	s, err = c.GetSecret(ctx, dbID)
	if err != nil {
		t.Fatal(err)
	}
	tg.wantVersion("rotated secret", s, 2)
	if s, err := c.GetSecret(ctx, after["API-KEY"].ID); err != nil {
		t.Fatal(err)
	} else {
		tg.wantVersion("kept secret", s, 1)
	}

	// Resending the same value makes no new version.
	if _, err := c.UpdateGroup(ctx, g.ID, []tfyapi.SecretInput{{Key: "DB-PASSWORD", Value: newPass}, {Key: "API-KEY"}, {Key: "LOG-TOKEN"}}); err != nil {
		t.Fatal(err)
	}
	if s, err := c.GetSecret(ctx, dbID); err != nil {
		t.Fatal(err)
	} else {
		tg.wantVersion("secret re-sent unchanged", s, 2)
	}

	// Omitting a key deletes it.
	up, err = c.UpdateGroup(ctx, g.ID, []tfyapi.SecretInput{{Key: "DB-PASSWORD"}, {Key: "API-KEY"}})
	if err != nil || !slices.Equal(groupKeys(up), []string{"API-KEY", "DB-PASSWORD"}) {
		t.Fatalf("update omitting LOG-TOKEN = %+v, %v", up, err)
	}
	_, err = c.GetSecret(ctx, after["LOG-TOKEN"].ID)
	tg.wantErr(t, "get omitted secret", err, tfyapi.ErrNotFound)

	n, err := c.DeleteSecret(ctx, after["API-KEY"].ID, false)
	if err != nil || n != 1 {
		t.Fatalf("delete secret = %d, %v", n, err)
	}
	if got, err := c.GetGroup(ctx, g.ID); err != nil || !slices.Equal(groupKeys(got), []string{"DB-PASSWORD"}) {
		t.Errorf("after delete secret: %+v, %v", got, err)
	}

	if err := c.DeleteGroup(ctx, g.ID, false); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetGroup(ctx, g.ID)
	tg.wantErr(t, "get deleted group", err, tfyapi.ErrNotFound)
	if left := groupsMatching(t, c, tfyapi.ListGroupsOptions{FQN: g.FQN}); len(left) != 0 {
		t.Errorf("deleted group still listed: %+v", left)
	}
	_, err = c.GetSecret(ctx, dbID)
	tg.wantErr(t, "get secret of deleted group", err, tfyapi.ErrNotFound)
}

func TestContractPagination(t *testing.T) {
	t.Parallel()
	tg := newTarget(t, emulator.Options{})
	in := tg.store(emulator.TypeAWSParameterStore)
	prefix := uniqueName(t)
	var want []string
	for i := range 5 {
		g := tg.createGroup(fmt.Sprintf("%s-%d", prefix, i), in, tfyapi.SecretInput{Key: "K", Value: tg.value("page")})
		want = append(want, g.ID)
	}
	before := tg.logCount("GET /api/svc/v1/secret-groups?")
	var got []string
	for _, g := range groupsMatching(t, tg.client, tfyapi.ListGroupsOptions{Search: prefix, PageSize: 2}) {
		got = append(got, g.ID)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("paged listing\n got %v\nwant %v", got, want)
	}
	if pages := tg.logCount("GET /api/svc/v1/secret-groups?") - before; pages != 3 {
		t.Errorf("listing 5 groups 2 at a time took %d requests, want 3", pages)
	}
	// Secrets page the same way.
	var secrets int
	for _, err := range tg.client.ListSecrets(context.Background(), tfyapi.ListSecretsOptions{FQNs: fqnsOf(t, tg, prefix), PageSize: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		secrets++
	}
	if secrets != 5 {
		t.Errorf("listed %d secrets by fqn, want 5", secrets)
	}
}

func fqnsOf(t *testing.T, tg *target, prefix string) []string {
	var out []string
	for _, g := range groupsMatching(t, tg.client, tfyapi.ListGroupsOptions{Search: prefix}) {
		for _, s := range g.Secrets {
			out = append(out, s.FQN)
		}
	}
	return out
}

func TestContractManifestUpsertAndApply(t *testing.T) {
	t.Parallel()
	tg := newTarget(t, emulator.Options{})
	ctx := context.Background()
	c := tg.client
	in := tg.store(emulator.TypeAWSSecretsManager)
	name := uniqueName(t)
	m := tfyapi.GroupManifest{Name: name, IntegrationFQN: in.FQN}

	if _, err := c.UpsertGroupManifest(ctx, m, true); err != nil {
		t.Fatalf("dry run: %v", err)
	}
	if got := groupsMatching(t, c, tfyapi.ListGroupsOptions{Search: name}); len(got) != 0 {
		t.Fatalf("dry run created %+v", got)
	}
	g, err := c.UpsertGroupManifest(ctx, m, false)
	if err != nil || g.ID == "" || g.Name != name || g.IntegrationID != in.ID {
		t.Fatalf("upsert = %+v, %v", g, err)
	}
	t.Cleanup(func() { tg.deleteQuietly(g.ID) })
	again, err := c.UpsertGroupManifest(ctx, m, false)
	if err != nil || again.ID != g.ID {
		t.Errorf("second upsert = %+v, %v; want the same group", again, err)
	}

	res, err := c.Apply(ctx, map[string]any{"type": "secret-group", "name": name, "integration_fqn": in.FQN, "collaborators": []any{}}, true)
	if err != nil || res.Action != "UPDATE" {
		t.Errorf("apply dry run on an existing group = %+v, %v", res, err)
	}
	other := uniqueName(t)
	res, err = c.Apply(ctx, map[string]any{"type": "secret-group", "name": other, "integration_fqn": in.FQN, "collaborators": []any{}}, false)
	if err != nil || res.Action != "CREATE" {
		t.Fatalf("apply = %+v, %v", res, err)
	}
	created := groupsMatching(t, c, tfyapi.ListGroupsOptions{Search: other})
	for _, g := range created {
		t.Cleanup(func() { tg.deleteQuietly(g.ID) })
	}
	if len(created) != 1 {
		t.Errorf("apply created %d groups", len(created))
	}

	_, err = c.UpsertGroupManifest(ctx, tfyapi.GroupManifest{Name: uniqueName(t), IntegrationFQN: "nope:aws:x:secret-store:y"}, false)
	tg.wantErr(t, "upsert with unknown integration", err, tfyapi.ErrUnprocessable)
}

// TestContractErrors hits every documented error a real tenant can produce
// without special set-up.
func TestContractErrors(t *testing.T) {
	t.Parallel()
	tg := newTarget(t, emulator.Options{})
	ctx := context.Background()
	c := tg.client
	in := tg.store(emulator.TypeGCPGSM)
	name := uniqueName(t)
	g := tg.createGroup(name, in, tfyapi.SecretInput{Key: "ONLY", Value: tg.value("only")})

	bad := tg.newClient(secret.FromString("not-a-valid-key-" + name))
	_, err := bad.GetGroup(ctx, g.ID)
	tg.wantErr(t, "wrong key", err, tfyapi.ErrUnauthorized)
	for _, err := range bad.ListGroups(ctx, tfyapi.ListGroupsOptions{}) {
		tg.wantErr(t, "wrong key list", err, tfyapi.ErrUnauthorized)
	}
	if n := tg.logCount("-> 401"); n != 2 {
		t.Errorf("401 answers = %d, want 2 (never retried)", n)
	}

	missing := "does-not-exist-" + name
	_, err = c.GetGroup(ctx, missing)
	tg.wantErr(t, "get unknown group", err, tfyapi.ErrNotFound)
	_, err = c.UpdateGroup(ctx, missing, []tfyapi.SecretInput{{Key: "K", Value: tg.value("x")}})
	tg.wantErr(t, "update unknown group", err, tfyapi.ErrNotFound)
	tg.wantErr(t, "delete unknown group", c.DeleteGroup(ctx, missing, false), tfyapi.ErrNotFound)
	_, err = c.GetSecret(ctx, missing)
	tg.wantErr(t, "get unknown secret", err, tfyapi.ErrNotFound)
	_, err = c.DeleteSecret(ctx, missing, false)
	tg.wantErr(t, "delete unknown secret", err, tfyapi.ErrNotFound)

	_, err = c.CreateGroup(ctx, tfyapi.CreateGroupInput{Name: name, IntegrationID: in.ID, Secrets: []tfyapi.SecretInput{{Key: "K", Value: tg.value("dup")}}})
	tg.wantErr(t, "duplicate name", err, tfyapi.ErrConflict)

	_, err = c.CreateGroup(ctx, tfyapi.CreateGroupInput{Name: uniqueName(t), IntegrationID: "no-such-integration", Secrets: []tfyapi.SecretInput{{Key: "K", Value: tg.value("i")}}})
	tg.wantErr(t, "unknown integration", err, tfyapi.ErrUnprocessable)

	_, err = c.UpdateGroup(ctx, g.ID, nil)
	tg.wantErr(t, "update with zero secrets", err, tfyapi.ErrBadRequest)

	_, err = c.UpdateGroup(ctx, g.ID, []tfyapi.SecretInput{{Key: "ONLY"}, {Key: "NEW-WITHOUT-VALUE"}})
	tg.wantErr(t, "new key without value", err, tfyapi.ErrUnprocessable)

	if got, err := c.GetGroup(ctx, g.ID); err != nil || !slices.Equal(groupKeys(got), []string{"ONLY"}) {
		t.Errorf("failed calls changed the group: %+v, %v", got, err)
	}
}

func TestContractStoreRules(t *testing.T) {
	t.Parallel()
	tg := newTarget(t, emulator.Options{})
	tg.emulatorOnly() // a real tenant's stores are unknown
	ctx := context.Background()
	c := tg.client
	az := tg.store(emulator.TypeAzureVault)

	_, err := c.CreateGroup(ctx, tfyapi.CreateGroupInput{Name: uniqueName(t), IntegrationID: az.ID, Secrets: []tfyapi.SecretInput{{Key: "DB_PASSWORD", Value: tg.value("u")}}})
	tg.wantErr(t, "underscore on azure", err, tfyapi.ErrUnprocessable)
	var e *tfyapi.Error
	if !errors.As(err, &e) || !strings.Contains(e.Message, "DB_PASSWORD") || !strings.Contains(e.Message, "^[0-9A-Za-z-]{1,127}$") {
		t.Errorf("the store's rule is not in the message: %v", err)
	}

	// Azure keeps deleted names: re-adding one conflicts.
	g := tg.createGroup(uniqueName(t), az, tfyapi.SecretInput{Key: "A", Value: tg.value("a")}, tfyapi.SecretInput{Key: "B", Value: tg.value("b")})
	if _, err := c.UpdateGroup(ctx, g.ID, []tfyapi.SecretInput{{Key: "A"}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.UpdateGroup(ctx, g.ID, []tfyapi.SecretInput{{Key: "A"}, {Key: "B", Value: tg.value("b2")}})
	tg.wantErr(t, "re-add soft-deleted key", err, tfyapi.ErrConflict)
	if !errors.As(err, &e) || !strings.Contains(e.Message, "deleted state") {
		t.Errorf("soft-delete message = %v", err)
	}

	// The last secret cannot be deleted on its own.
	only := g.Secrets[0].ID
	for _, s := range g.Secrets {
		if s.Key == "A" {
			only = s.ID
		}
	}
	_, err = c.DeleteSecret(ctx, only, false)
	tg.wantErr(t, "delete last secret", err, tfyapi.ErrBadRequest)
}

func TestContractRoles(t *testing.T) {
	t.Parallel()
	tg := newTarget(t, emulator.Options{})
	tg.emulatorOnly()
	ctx := context.Background()
	viewerKey := "viewer-" + uniqueName(t)
	if err := tg.emu.AddAPIKey(viewerKey, emulator.RoleViewer); err != nil {
		t.Fatal(err)
	}
	viewer := tg.newClient(secret.FromString(viewerKey))
	in := tg.store(emulator.TypeGCPGSM)
	g := tg.createGroup(uniqueName(t), in, tfyapi.SecretInput{Key: "K", Value: tg.value("k")})

	if got, err := viewer.GetGroup(ctx, g.ID); err != nil || got.ID != g.ID {
		t.Errorf("viewer read = %+v, %v", got, err)
	}
	s, err := viewer.GetSecret(ctx, g.Secrets[0].ID)
	if err != nil || s.Value.IsSet() {
		t.Errorf("viewer got a value (%v) or an error %v", s.Value.IsSet(), err)
	}
	_, err = viewer.CreateGroup(ctx, tfyapi.CreateGroupInput{Name: uniqueName(t), IntegrationID: in.ID, Secrets: []tfyapi.SecretInput{{Key: "K", Value: tg.value("v")}}})
	tg.wantErr(t, "viewer create", err, tfyapi.ErrForbidden)
	_, err = viewer.UpdateGroup(ctx, g.ID, []tfyapi.SecretInput{{Key: "K", Value: tg.value("v2")}})
	tg.wantErr(t, "viewer update", err, tfyapi.ErrForbidden)
	tg.wantErr(t, "viewer delete", viewer.DeleteGroup(ctx, g.ID, false), tfyapi.ErrForbidden)
	_, err = viewer.DeleteSecret(ctx, g.Secrets[0].ID, false)
	tg.wantErr(t, "viewer delete secret", err, tfyapi.ErrForbidden)
}

func TestContractValueViewDisabled(t *testing.T) {
	t.Parallel()
	tg := newTarget(t, emulator.Options{DisableValueView: true})
	tg.emulatorOnly()
	in := tg.store(emulator.TypeGCPGSM)
	g := tg.createGroup(uniqueName(t), in, tfyapi.SecretInput{Key: "K", Value: tg.value("k")})
	s, err := tg.client.GetSecret(context.Background(), g.Secrets[0].ID)
	if err != nil || s.Value.IsSet() || s.Key != "K" {
		t.Errorf("get secret = %+v, %v; want metadata without a value", s, err)
	}
	for s, err := range tg.client.ListSecrets(context.Background(), tfyapi.ListSecretsOptions{GroupID: g.ID, WithValue: true}) {
		if err != nil || s.Value.IsSet() {
			t.Errorf("list with values = %+v, %v", s, err)
		}
	}
}

func TestContractFailingStore(t *testing.T) {
	t.Parallel()
	tg := newTarget(t, emulator.Options{})
	tg.emulatorOnly()
	ctx := context.Background()
	in := tg.store(emulator.TypeAWSParameterStore)
	g := tg.createGroup(uniqueName(t), in, tfyapi.SecretInput{Key: "K", Value: tg.value("k")})
	tg.control(http.MethodPut, "/_emulator/integrations/"+in.ID+"/faulty", map[string]bool{"faulty": true})

	_, err := tg.client.CreateGroup(ctx, tfyapi.CreateGroupInput{Name: uniqueName(t), IntegrationID: in.ID, Secrets: []tfyapi.SecretInput{{Key: "K", Value: tg.value("f")}}})
	tg.wantErr(t, "create on a failing store", err, tfyapi.ErrFailedDependency)
	tg.wantErr(t, "delete on a failing store", tg.client.DeleteGroup(ctx, g.ID, false), tfyapi.ErrFailedDependency)
	if err := tg.client.DeleteGroup(ctx, g.ID, true); err != nil {
		t.Errorf("force delete on a failing store: %v", err)
	}
	_, err = tg.client.GetGroup(ctx, g.ID)
	tg.wantErr(t, "get force-deleted group", err, tfyapi.ErrNotFound)
}

// TestContractFaults injects transport failures and checks which calls are
// retried, how often, and what the caller finally sees.
func TestContractFaults(t *testing.T) {
	t.Parallel()
	tg := newTarget(t, emulator.Options{})
	tg.emulatorOnly()
	ctx := context.Background()
	c := tg.client
	in := tg.store(emulator.TypeGCPGSM)
	g := tg.createGroup(uniqueName(t), in, tfyapi.SecretInput{Key: "K", Value: tg.value("k")})
	getPath := "GET /api/svc/v1/secret-groups/" + g.ID

	t.Run("429 with Retry-After is retried", func(t *testing.T) {
		tg.fault(emulator.FaultRule{Method: "GET", PathPrefix: "/api/svc/v1/secret-groups/", Count: 2, Status: 429, RetryAfterSeconds: 1})
		before := tg.logCount(getPath)
		if got, err := c.GetGroup(ctx, g.ID); err != nil || got.ID != g.ID {
			t.Fatalf("get after two 429s = %+v, %v", got, err)
		}
		if n := tg.logCount(getPath) - before; n != 3 {
			t.Errorf("attempts = %d, want 3", n)
		}
	})
	t.Run("persistent 503 is unavailable after every attempt", func(t *testing.T) {
		tg.fault(emulator.FaultRule{Method: "GET", PathPrefix: "/api/svc/v1/secret-groups/", Count: 3, Status: 503})
		before := tg.logCount(getPath)
		_, err := c.GetGroup(ctx, g.ID)
		tg.wantErr(t, "get during outage", err, tfyapi.ErrUnavailable)
		if n := tg.logCount(getPath) - before; n != 3 {
			t.Errorf("attempts = %d, want 3", n)
		}
	})
	t.Run("persistent 429 is rate limited", func(t *testing.T) {
		tg.fault(emulator.FaultRule{Method: "POST", PathPrefix: "/api/svc/v1/secrets", Count: 3, Status: 429, RetryAfterSeconds: 1})
		for _, err := range c.ListSecrets(ctx, tfyapi.ListSecretsOptions{GroupID: g.ID}) {
			tg.wantErr(t, "list secrets while rate limited", err, tfyapi.ErrRateLimited)
		}
	})
	t.Run("dropped connection on a read is retried", func(t *testing.T) {
		tg.fault(emulator.FaultRule{Method: "GET", PathPrefix: "/api/svc/v1/secret-groups/", Count: 1, Drop: "before"})
		if got, err := c.GetGroup(ctx, g.ID); err != nil || got.ID != g.ID {
			t.Errorf("get after a dropped connection = %+v, %v", got, err)
		}
	})
	t.Run("a failed create is never retried", func(t *testing.T) {
		name := uniqueName(t)
		tg.fault(emulator.FaultRule{Method: "POST", PathPrefix: "/api/svc/v1/secret-groups", Count: 1, Status: 503})
		_, err := c.CreateGroup(ctx, tfyapi.CreateGroupInput{Name: name, IntegrationID: in.ID, Secrets: []tfyapi.SecretInput{{Key: "K", Value: tg.value("c")}}})
		tg.wantErr(t, "create during outage", err, tfyapi.ErrUnavailable)
		if n := tg.logCount("POST /api/svc/v1/secret-groups -> 503"); n != 1 {
			t.Errorf("create attempts answered 503 = %d, want 1", n)
		}
		if got := groupsMatching(t, c, tfyapi.ListGroupsOptions{Search: name}); len(got) != 0 {
			t.Errorf("a refused create made %+v", got)
		}
	})
	t.Run("a lost create response is reported, not retried", func(t *testing.T) {
		name := uniqueName(t)
		tg.fault(emulator.FaultRule{Method: "POST", PathPrefix: "/api/svc/v1/secret-groups", Count: 1, Drop: "after"})
		_, err := c.CreateGroup(ctx, tfyapi.CreateGroupInput{Name: name, IntegrationID: in.ID, Secrets: []tfyapi.SecretInput{{Key: "K", Value: tg.value("lost")}}})
		tg.wantErr(t, "create with a lost response", err, tfyapi.ErrUnavailable)
		// The write happened; a retry would have hit "already exists".
		got := groupsMatching(t, c, tfyapi.ListGroupsOptions{Search: name})
		for _, g := range got {
			t.Cleanup(func() { tg.deleteQuietly(g.ID) })
		}
		if len(got) != 1 {
			t.Errorf("groups after a lost response = %d, want 1", len(got))
		}
	})
	t.Run("a slow answer hits the client timeout", func(t *testing.T) {
		slow := tg.newClient(tg.key, tfyapi.WithTimeout(50*time.Millisecond), tfyapi.WithRetryPolicy(tfyapi.RetryPolicy{MaxAttempts: 1}))
		tg.fault(emulator.FaultRule{Method: "GET", PathPrefix: "/api/svc/v1/secret-groups/", Count: 1, Delay: "500ms"})
		_, err := slow.GetGroup(ctx, g.ID)
		tg.wantErr(t, "slow get", err, tfyapi.ErrUnavailable)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("slow get = %v, want a deadline", err)
		}
	})
}
