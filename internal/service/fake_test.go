package service

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/internal/secret"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// fakeAPI is an in-memory TrueFoundry with the PUT semantics that matter:
// a key without a value keeps its value, a key left out is deleted.
type fakeAPI struct {
	mu           sync.Mutex
	tenant       string
	groups       map[string]*fakeGroup // by id
	integrations []Integration
	nextID       int
	calls        []string
	valueHidden  bool   // value viewing disabled: 403 on value reads
	apiTenant    string // what TenantName answers; "" is an empty answer
	noTenant     bool   // groups come without tenantName and fqn

	// hooks let a test interfere at precise moments.
	beforeUpdate func(f *fakeAPI) error // runs inside UpdateGroup; non-nil error aborts before writing
	afterUpdate  func(f *fakeAPI) error // runs after the write; non-nil error is returned as if the answer was lost
	failOn       map[string]error       // call name -> error
	failFQN      map[string]error       // GroupByFQN of this fqn -> error
	lastWrite    []Write                // the secrets of the last UpdateGroup
}

type fakeGroup struct {
	id, name, integrationID string
	keys                    map[string]string // key -> value
	ids                     map[string]string // key -> secret id
}

func newFakeAPI() *fakeAPI {
	return &fakeAPI{
		tenant: "demo",
		groups: map[string]*fakeGroup{},
		integrations: []Integration{
			{Name: "vault", ID: "int-azure", FQN: "demo:azure:acct:secret-store:vault", Provider: "azure", Store: "vault", Type: "integration/secret-store/azure/vault"},
		},
		failOn: map[string]error{},
	}
}

func (f *fakeAPI) add(name string, kv map[string]string) *fakeGroup {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	g := &fakeGroup{id: fmt.Sprintf("grp%03d", f.nextID), name: name, integrationID: "int-azure", keys: map[string]string{}, ids: map[string]string{}}
	for k, v := range kv {
		g.set(f, k, v)
	}
	f.groups[g.id] = g
	return g
}

func (g *fakeGroup) set(f *fakeAPI, k, v string) {
	if _, ok := g.ids[k]; !ok {
		f.nextID++
		g.ids[k] = fmt.Sprintf("sec%03d", f.nextID)
	}
	g.keys[k] = v
}

func (f *fakeAPI) record(call string) error {
	f.calls = append(f.calls, call)
	return f.failOn[call]
}

func (f *fakeAPI) callCount(call string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c == call {
			n++
		}
	}
	return n
}

func (f *fakeAPI) view(g *fakeGroup) Group {
	out := Group{ID: g.id, Name: g.name, FQN: f.tenant + ":" + g.name, Tenant: f.tenant, IntegrationID: g.integrationID}
	if f.noTenant {
		out.FQN, out.Tenant = "", ""
	}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range g.keys {
			if !yield(k) {
				return
			}
		}
	}) {
		out.Secrets = append(out.Secrets, Secret{ID: g.ids[k], Key: k, FQN: out.FQN + ":" + k, GroupID: g.id, ActiveDeployments: -1})
	}
	return out
}

// statusErr is the error the API port gives for an answer with this status
// and message (see live's adapter, whose tests pin the same table).
func statusErr(op string, status int, msg string) *APIError {
	e := &APIError{Op: op, Status: status, Message: msg, Detail: fmt.Sprintf("%d %s", status, http.StatusText(status))}
	if msg != "" {
		e.Detail += ": " + msg
	}
	switch {
	case status == 429:
		e.Kind = ErrRateLimited
	case status >= 500:
		e.Kind = ErrUnavailable
	case status == 409, status >= 400 && strings.Contains(strings.ToLower(msg), "already exists"):
		e.Kind = ErrConflict
	default:
		e.Kind = map[int]error{400: ErrBadRequest, 401: ErrUnauthorized, 403: ErrForbidden, 404: ErrNotFound, 422: ErrUnprocessable, 424: ErrFailedDependency}[status]
	}
	return e
}

func notFoundErr(op string) error {
	return &APIError{Op: op, Status: 404, Message: "not found", Kind: ErrNotFound, Detail: "404 Not Found: " + "not found"}
}

func (f *fakeAPI) ListGroups(_ context.Context, search string) iter.Seq2[Group, error] {
	return func(yield func(Group, error) bool) {
		f.mu.Lock()
		err := f.record("ListGroups")
		var out []Group
		for _, g := range f.groups {
			if strings.Contains(g.name, search) {
				out = append(out, f.view(g))
			}
		}
		f.mu.Unlock()
		if err != nil {
			yield(Group{}, err)
			return
		}
		slices.SortFunc(out, func(a, b Group) int { return strings.Compare(a.Name, b.Name) })
		for _, g := range out {
			if !yield(g, nil) {
				return
			}
		}
	}
}

func (f *fakeAPI) GroupByFQN(_ context.Context, fqn string) (Group, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("GroupByFQN"); err != nil {
		return Group{}, false, err
	}
	if err := f.failFQN[fqn]; err != nil {
		return Group{}, false, err
	}
	for _, g := range f.groups {
		if f.tenant+":"+g.name == fqn {
			return f.view(g), true, nil
		}
	}
	return Group{}, false, nil
}

func (f *fakeAPI) GroupByID(ctx context.Context, id string) (Group, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("GroupByID"); err != nil {
		return Group{}, err
	}
	if err := ctx.Err(); err != nil {
		// Like the real client: no request goes out on a dead context.
		return Group{}, &APIError{Op: "get secret group", Err: err, Message: err.Error(), Kind: ErrUnavailable}
	}
	g, ok := f.groups[id]
	if !ok {
		return Group{}, notFoundErr("get secret group")
	}
	return f.view(g), nil
}

func (f *fakeAPI) Secrets(_ context.Context, groupID string, withValue bool) iter.Seq2[Secret, error] {
	return func(yield func(Secret, error) bool) {
		f.mu.Lock()
		call := "Secrets"
		if withValue {
			call = "SecretsWithValue"
		}
		err := f.record(call)
		g, ok := f.groups[groupID]
		var out []Secret
		switch {
		case err != nil:
		case !ok:
			err = notFoundErr("list secrets")
		case withValue && f.valueHidden:
			err = &APIError{Op: "list secrets", Status: 403, Message: "Secret value viewing is disabled on this control plane", Kind: ErrForbidden, Detail: "403 Forbidden: " + "Secret value viewing is disabled on this control plane"}
		default:
			for _, s := range f.view(g).Secrets {
				if withValue {
					s.Value = secret.FromString(g.keys[s.Key])
				}
				s.Version = 1
				out = append(out, s)
			}
		}
		f.mu.Unlock()
		if err != nil {
			yield(Secret{}, err)
			return
		}
		for _, s := range out {
			if !yield(s, nil) {
				return
			}
		}
	}
}

func (f *fakeAPI) SecretValues(_ context.Context, fqns []string) iter.Seq2[Secret, error] {
	return func(yield func(Secret, error) bool) {
		f.mu.Lock()
		err := f.record("SecretValues")
		want := map[string]bool{}
		for _, fqn := range fqns {
			want[fqn] = true
		}
		var out []Secret
		if err == nil && f.valueHidden {
			err = &APIError{Op: "list secrets", Status: 403, Message: "Secret value viewing is disabled on this control plane", Kind: ErrForbidden, Detail: "403 Forbidden: " + "Secret value viewing is disabled on this control plane"}
		}
		if err == nil {
			for _, id := range slices.Sorted(maps.Keys(f.groups)) {
				g := f.groups[id]
				for _, s := range f.view(g).Secrets {
					if want[s.FQN] {
						s.Value = secret.FromString(g.keys[s.Key])
						out = append(out, s)
					}
				}
			}
		}
		f.mu.Unlock()
		if err != nil {
			yield(Secret{}, err)
			return
		}
		for _, s := range out {
			if !yield(s, nil) {
				return
			}
		}
	}
}

func (f *fakeAPI) SecretByID(_ context.Context, id string) (Secret, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("SecretByID"); err != nil {
		return Secret{}, err
	}
	for _, g := range f.groups {
		for k, sid := range g.ids {
			if sid == id {
				if _, live := g.keys[k]; !live {
					continue
				}
				if f.valueHidden {
					return Secret{}, &APIError{Op: "get secret", Status: 403, Message: "Secret value viewing is disabled on this control plane", Kind: ErrForbidden, Detail: "403 Forbidden: " + "Secret value viewing is disabled on this control plane"}
				}
				return Secret{ID: id, Key: k, GroupID: g.id, FQN: f.tenant + ":" + g.name + ":" + k, Version: 2, ActiveDeployments: -1,
					Value: secret.FromString(g.keys[k]), Versions: []plugin.Version{{Version: 1}, {Version: 2}}}, nil
			}
		}
	}
	return Secret{}, notFoundErr("get secret")
}

func (f *fakeAPI) CreateGroup(_ context.Context, name, integrationID string, secrets []Write) (Group, error) {
	f.mu.Lock()
	if err := f.record("CreateGroup"); err != nil {
		f.mu.Unlock()
		return Group{}, err
	}
	for _, g := range f.groups {
		if g.name == name {
			f.mu.Unlock()
			return Group{}, &APIError{Op: "create secret group", Status: 409, Message: "Secret group with name '" + name + "' already exists", Kind: ErrConflict, Detail: "409 Conflict: " + "Secret group with name '"}
		}
	}
	f.mu.Unlock()
	kv := map[string]string{}
	for _, w := range secrets {
		kv[w.Key] = w.Value.Reveal()
	}
	g := f.add(name, kv)
	g.integrationID = integrationID
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.view(g), nil
}

func (f *fakeAPI) UpdateGroup(_ context.Context, id string, secrets []Write) (Group, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("UpdateGroup"); err != nil {
		return Group{}, err
	}
	f.lastWrite = slices.Clone(secrets)
	if f.beforeUpdate != nil {
		if err := f.beforeUpdate(f); err != nil {
			return Group{}, err
		}
	}
	g, ok := f.groups[id]
	if !ok {
		return Group{}, notFoundErr("update secret group")
	}
	if len(secrets) == 0 {
		return Group{}, &APIError{Op: "update secret group", Status: 400, Message: "At least one secret is required", Kind: ErrBadRequest, Detail: "400 Bad Request: " + "At least one secret is required"}
	}
	keep := map[string]bool{}
	for _, w := range secrets {
		keep[w.Key] = true
		if w.Value.IsSet() {
			g.set(f, w.Key, w.Value.Reveal())
		} else if _, ok := g.keys[w.Key]; !ok {
			return Group{}, &APIError{Op: "update secret group", Status: 422, Message: "Value is required for new secret '" + w.Key + "'", Kind: ErrUnprocessable, Detail: "422 Unprocessable Entity: " + "Value is required for new secret '"}
		}
	}
	for k := range g.keys {
		if !keep[k] {
			delete(g.keys, k)
		}
	}
	if f.afterUpdate != nil {
		if err := f.afterUpdate(f); err != nil {
			return Group{}, err
		}
	}
	return f.view(g), nil
}

func (f *fakeAPI) DeleteGroup(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("DeleteGroup"); err != nil {
		return err
	}
	if _, ok := f.groups[id]; !ok {
		return notFoundErr("delete secret group")
	}
	delete(f.groups, id)
	return nil
}

func (f *fakeAPI) DeleteSecret(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("DeleteSecret"); err != nil {
		return err
	}
	for _, g := range f.groups {
		for k, sid := range g.ids {
			if sid == id {
				delete(g.keys, k)
				return nil
			}
		}
	}
	return notFoundErr("delete secret")
}

func (f *fakeAPI) Ping(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.record("Ping")
}

func (f *fakeAPI) TenantName(context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("TenantName"); err != nil {
		return "", err
	}
	return f.apiTenant, nil
}

func (f *fakeAPI) Integrations(context.Context) ([]Integration, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.record("Integrations"); err != nil {
		return nil, err
	}
	return slices.Clone(f.integrations), nil
}

// fakePolicy applies a fixed decision and records every input it sees, as
// JSON, so tests can assert what reached policy.
type fakePolicy struct {
	mu      sync.Mutex
	inputs  []string
	decide  func(in policydoc.Input) policydoc.Decision
	modules []plugin.PolicyModule
}

func (d *fakePolicy) Decide(_ context.Context, in policydoc.Input) (policydoc.Decision, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return policydoc.Decision{}, err
	}
	d.mu.Lock()
	d.inputs = append(d.inputs, string(b))
	d.mu.Unlock()
	if d.decide != nil {
		return d.decide(in), nil
	}
	return defaultDecision(in), nil
}

// defaultDecision mirrors the default bundle's shape: yes for mutations,
// typed for group delete, prefix4 for long values when asked.
func defaultDecision(in policydoc.Input) policydoc.Decision {
	dec := policydoc.Decision{Confirm: plugin.ConfirmNone, Mask: map[string]string{}}
	switch in.Operation {
	case plugin.OpGroupCreate, plugin.OpGroupUpdate, plugin.OpSecretDelete:
		dec.Confirm = plugin.ConfirmYes
	case plugin.OpGroupDelete:
		dec.Confirm = plugin.ConfirmTyped
	}
	for _, c := range in.Changes {
		if c.Source == plugin.SourceLiteral {
			dec.Deny = append(dec.Deny, "key "+c.Key+": values typed on the command line are refused")
		}
	}
	for _, s := range in.Secrets {
		if in.Context.ShowPrefix && s.Length >= 16 {
			dec.Mask[s.Key] = policydoc.MaskPrefix4
		}
	}
	return dec
}

func (d *fakePolicy) EvalJSON(_ context.Context, input []byte) ([]byte, error) {
	var in policydoc.Input
	if err := json.Unmarshal(input, &in); err != nil {
		return nil, err
	}
	return json.Marshal(defaultDecision(in))
}

func (d *fakePolicy) Modules() []plugin.PolicyModule { return d.modules }

// fakeCreds resolves to a fixed host and key and keeps a fake keyring.
type fakeCreds struct {
	mu      sync.Mutex
	base    string
	key     secret.Value
	keyring map[string]secret.Value
	tenant  string
	user    string
}

func (c *fakeCreds) Host(_ context.Context, flag string) (string, string, error) {
	if flag != "" {
		return flag, "flag", nil
	}
	return c.base, "env TFY_BASE_URL", nil
}

func (c *fakeCreds) Key(_ context.Context, base string) (secret.Value, string, error) {
	if !c.key.IsSet() {
		return secret.Value{}, "", failure.New(failure.Unauthorized, "not logged in to %s", base).WithHint(hintLogin)
	}
	return c.key, "env TFY_API_KEY", nil
}

func (c *fakeCreds) Store(_ context.Context, base string, key secret.Value) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.keyring[base] = key
	return nil
}

func (c *fakeCreds) Delete(_ context.Context, base string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.keyring, base)
	return nil
}

func (c *fakeCreds) Tenant(secret.Value) string { return c.tenant }

func (c *fakeCreds) User(secret.Value) string { return c.user }

// fakeProviders chooses the only integration and explains nothing, except a
// soft-delete conflict, so the routing through providers is testable.
type fakeProviders struct{}

func (fakeProviders) Choose(ins []Integration, integration, _ string) (Integration, error) {
	for _, in := range ins {
		if integration == "" || in.ID == integration || in.FQN == integration {
			return in, nil
		}
	}
	return Integration{}, failure.New(failure.NotFound, "integration %q not found or is not a secret store", integration)
}

func (fakeProviders) Explain(err error, in Integration, key string) error {
	if strings.Contains(err.Error(), "deleted state") {
		return failure.New(failure.Conflict, "key %q was deleted recently and is still soft-deleted in %s", key, in.Name).
			WithHint("az keyvault secret purge --vault-name %s --name %s", in.Name, key)
	}
	return nil
}

func (fakeProviders) StoreRules() json.RawMessage { return json.RawMessage(`{}`) }

// StoreKey follows Azure Key Vault's rule for azure integrations.
func (fakeProviders) StoreKey(in Integration, key string) string {
	if in.Provider == "azure" {
		return strings.ReplaceAll(key, "_", "-")
	}
	return key
}

// harness is a Service over the fakes.
type harness struct {
	svc     *Service
	api     *fakeAPI
	dec     *fakePolicy
	creds   *fakeCreds
	debug   *strings.Builder
	builds  int
	connect int
}

func newHarness() *harness {
	h := &harness{api: newFakeAPI(), dec: &fakePolicy{}, debug: &strings.Builder{}}
	h.creds = &fakeCreds{base: "https://demo.truefoundry.cloud", key: secret.FromString("tfy-test-key-0001"), keyring: map[string]secret.Value{}}
	h.svc = New(Options{
		Credentials: h.creds,
		Connect: func(string, secret.Value, *slog.Logger) (API, error) {
			h.connect++
			return h.api, nil
		},
		LoadPolicy: func(context.Context, string, json.RawMessage) (Policy, error) {
			h.builds++
			return h.dec, nil
		},
		Providers: fakeProviders{},
		Debug:     h.debug,
	})
	return h
}

func call() plugin.Call { return plugin.Call{Client: plugin.ClientCLI, Yes: true, Debug: true} }

func change(key, value string) plugin.Change {
	return plugin.Change{Key: key, Source: plugin.SourceEnv, Origin: "env " + key, Value: secret.FromString(value)}
}
