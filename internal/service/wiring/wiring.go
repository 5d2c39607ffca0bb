// Package wiring connects internal/service to the real parts: the tfyapi HTTP
// client, the policies engine (Rego compiled to WASM, run on wazero), the
// providers registry and the credentials resolver. It only translates
// between their types and the service's small interfaces; decisions stay in
// the service and in the parts themselves.
//
// It must not add behaviour of its own (no retries, no caching of API
// answers beyond the integrations providers need to explain failures) and
// must not copy a secret value anywhere but the API request it belongs to.
package wiring

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"slices"
	"sync"

	"github.com/tfy-secrets/tfy-secrets/internal/credentials"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/grouplock"
	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/internal/secret"
	"github.com/tfy-secrets/tfy-secrets/internal/service"
	"github.com/tfy-secrets/tfy-secrets/internal/tfyapi"
	"github.com/tfy-secrets/tfy-secrets/plugin"
	"github.com/tfy-secrets/tfy-secrets/policies"
	"github.com/tfy-secrets/tfy-secrets/providers"
	"github.com/tfy-secrets/tfy-secrets/providers/builtin"
)

// Config chooses the real parts. Zero fields mean the production defaults.
type Config struct {
	Credentials service.Credentials // nil: credentials.FromProcess()
	Registry    *providers.Registry // nil: every provider tfy-secrets knows
	PolicyCache string              // "": the per-user default cache directory
	APIOptions  []tfyapi.Option     // extra client options (tests: a short retry policy)
	Debug       io.Writer           // redacted diagnostics for --debug calls
	LockDir     string              // "": grouplock.DefaultDir, the user's private state directory
}

// New returns the service wired to the real parts.
func New(cfg Config) (*service.Service, error) {
	if cfg.Registry == nil {
		cfg.Registry = builtin.Registry()
	}
	if cfg.Credentials == nil {
		r, err := credentials.FromProcess()
		if err != nil {
			return nil, err
		}
		cfg.Credentials = r
	}
	st := NewStores(cfg.Registry)
	return service.New(service.Options{
		Credentials: cfg.Credentials,
		Connect:     Connect(st, cfg.APIOptions...),
		LoadPolicy:  LoadPolicy(cfg.PolicyCache),
		Providers:   st,
		Locks:       &Locks{dir: cfg.LockDir},
		Debug:       cfg.Debug,
	}), nil
}

// Locks is the service's Locker over grouplock. The directory is opened on
// the first write, so a read never touches it, and a directory that cannot
// be used is reported on every write rather than once at start.
type Locks struct {
	dir string

	mu    sync.Mutex
	locks *grouplock.Locks
}

var _ service.Locker = (*Locks)(nil)

// Lock takes the named lock, waiting until ctx ends.
func (l *Locks) Lock(ctx context.Context, name string) (func(), error) {
	l.mu.Lock()
	if l.locks == nil {
		locks, err := grouplock.Open(l.dir)
		if err != nil {
			l.mu.Unlock()
			return nil, err
		}
		l.locks = locks
	}
	locks := l.locks
	l.mu.Unlock()
	held, err := locks.Lock(ctx, name)
	if busy, ok := errors.AsType[*grouplock.Busy](err); ok {
		return nil, &service.LockBusy{Holder: busy.Holder}
	}
	if err != nil {
		return nil, err
	}
	return held.Release, nil
}

// Connect returns the service's Connect over tfyapi.
func Connect(st Stores, opts ...tfyapi.Option) service.Connect {
	return func(baseURL string, key secret.Value, log *slog.Logger) (service.API, error) {
		all := append([]tfyapi.Option{tfyapi.WithDebug(func(format string, args ...any) {
			log.Debug(fmt.Sprintf(format, args...))
		})}, opts...)
		c, err := tfyapi.New(baseURL, key, all...)
		if err != nil {
			return nil, failure.Wrap(failure.Usage, err, err.Error())
		}
		return &API{c: c, st: st}, nil
	}
}

// API adapts *tfyapi.Client to service.API.
type API struct {
	c  *tfyapi.Client
	st Stores
}

var _ service.API = (*API)(nil)

// ListGroups walks groups in the largest pages the API allows: listing is
// dominated by round trips.
func (a *API) ListGroups(ctx context.Context, search string) iter.Seq2[service.Group, error] {
	return convertSeq(a.c.ListGroups(ctx, tfyapi.ListGroupsOptions{Search: search, PageSize: tfyapi.MaxPageSize}), group)
}

// GroupByFQN asks the API for the exact FQN; an empty answer is "not found".
func (a *API) GroupByFQN(ctx context.Context, fqn string) (service.Group, bool, error) {
	for g, err := range a.c.ListGroups(ctx, tfyapi.ListGroupsOptions{FQN: fqn}) {
		if err != nil {
			return service.Group{}, false, apiError(err)
		}
		if g.FQN == fqn {
			return group(g), true, nil
		}
	}
	return service.Group{}, false, nil
}

// GroupByID reads one group.
func (a *API) GroupByID(ctx context.Context, id string) (service.Group, error) {
	g, err := a.c.GetGroup(ctx, id)
	return group(g), apiError(err)
}

// valuePageSize is the page size of listings with values: 100 values at the
// largest store limit (64 KiB), even with every byte JSON-escaped, stay far
// below tfyapi.MaxResponseBytes, which 1,000 of them would not.
const valuePageSize = 100

// Secrets lists a group's secrets in the largest pages the API allows, or
// in pages of valuePageSize when they carry values.
func (a *API) Secrets(ctx context.Context, groupID string, withValue bool) iter.Seq2[service.Secret, error] {
	size := tfyapi.MaxPageSize
	if withValue {
		size = valuePageSize
	}
	return convertSeq(a.c.ListSecrets(ctx, tfyapi.ListSecretsOptions{GroupID: groupID, WithValue: withValue, PageSize: size}), secretOf)
}

// SecretValues reads the named secrets with their values, valuePageSize
// names to a request: each request carries only the names of its own page,
// so reading back a 10,000-key write costs 100 small requests rather than
// 100 that each carry every name.
func (a *API) SecretValues(ctx context.Context, fqns []string) iter.Seq2[service.Secret, error] {
	return func(yield func(service.Secret, error) bool) {
		for chunk := range slices.Chunk(fqns, valuePageSize) {
			for s, err := range a.c.ListSecrets(ctx, tfyapi.ListSecretsOptions{FQNs: chunk, WithValue: true, PageSize: valuePageSize}) {
				if !yield(secretOf(s), apiError(err)) || err != nil {
					return
				}
			}
		}
	}
}

// SecretByID reads one secret, value included when the control plane shows it.
func (a *API) SecretByID(ctx context.Context, id string) (service.Secret, error) {
	s, err := a.c.GetSecret(ctx, id)
	return secretOf(s), apiError(err)
}

// CreateGroup creates a group with its first keys.
func (a *API) CreateGroup(ctx context.Context, name, integrationID string, secrets []service.Write) (service.Group, error) {
	g, err := a.c.CreateGroup(ctx, tfyapi.CreateGroupInput{Name: name, IntegrationID: integrationID, Secrets: secretInputs(secrets)})
	return group(g), apiError(err)
}

// UpdateGroup sends the full key set.
func (a *API) UpdateGroup(ctx context.Context, id string, secrets []service.Write) (service.Group, error) {
	g, err := a.c.UpdateGroup(ctx, id, secretInputs(secrets))
	return group(g), apiError(err)
}

// DeleteGroup deletes without force: a faulty store is reported, not bypassed.
func (a *API) DeleteGroup(ctx context.Context, id string) error {
	return apiError(a.c.DeleteGroup(ctx, id, false))
}

// DeleteSecret deletes one key without force.
func (a *API) DeleteSecret(ctx context.Context, id string) error {
	_, err := a.c.DeleteSecret(ctx, id, false)
	return apiError(err)
}

// Ping lists one group: a single small authenticated request.
func (a *API) Ping(ctx context.Context) error {
	for _, err := range a.c.ListGroups(ctx, tfyapi.ListGroupsOptions{PageSize: 1}) {
		return apiError(err)
	}
	return nil
}

// TenantName asks the API which tenant the host serves.
func (a *API) TenantName(ctx context.Context) (string, error) {
	name, err := a.c.TenantName(ctx)
	return name, apiError(err)
}

// Integrations lists the secret stores, described by the providers.
func (a *API) Integrations(ctx context.Context) ([]service.Integration, error) {
	ins, err := a.c.SecretStoreIntegrations(ctx)
	if err != nil {
		return nil, apiError(err)
	}
	out := make([]service.Integration, 0, len(ins))
	for _, in := range ins {
		out = append(out, a.st.describe(in))
	}
	return out, nil
}

// secretInputs is a write's keys as the client sends them.
func secretInputs(secrets []service.Write) []tfyapi.SecretInput {
	out := make([]tfyapi.SecretInput, 0, len(secrets))
	for _, w := range secrets {
		out = append(out, tfyapi.SecretInput{Key: w.Key, Value: w.Value})
	}
	return out
}

func convertSeq[T, U any](seq iter.Seq2[T, error], conv func(T) U) iter.Seq2[U, error] {
	return func(yield func(U, error) bool) {
		for v, err := range seq {
			var zero U
			if err != nil {
				yield(zero, apiError(err))
				return
			}
			if !yield(conv(v), nil) {
				return
			}
		}
	}
}

func group(g tfyapi.SecretGroup) service.Group {
	out := service.Group{
		ID: g.ID, Name: g.Name, FQN: g.FQN, Tenant: g.TenantName, IntegrationID: g.IntegrationID,
		CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt,
	}
	for _, s := range g.Secrets {
		out.Secrets = append(out.Secrets, secretOf(s))
	}
	return out
}

func secretOf(s tfyapi.Secret) service.Secret {
	out := service.Secret{
		ID: s.ID, Key: s.Key, FQN: s.FQN, GroupID: s.GroupID, Version: s.Version, UpdatedAt: s.UpdatedAt,
		ActiveDeployments: -1, Value: s.Value,
	}
	if s.ActiveDeployments != nil {
		out.ActiveDeployments = *s.ActiveDeployments
	}
	for _, v := range s.Versions {
		out.Versions = append(out.Versions, plugin.Version{Version: v.Version, CreatedAt: v.CreatedAt})
	}
	return out
}

// Stores adapts the providers registry to service.Providers.
type Stores struct{ reg *providers.Registry }

var _ service.Providers = Stores{}

// NewStores returns the adapter over reg.
func NewStores(reg *providers.Registry) Stores { return Stores{reg: reg} }

// describe is the service's view of an integration the API listed: its
// settings, and what the providers recognise it as.
func (st Stores) describe(in tfyapi.Integration) service.Integration {
	reported := service.Reported{Type: in.Type, Provider: in.Provider}
	if reported.Type == "" {
		reported.Type = in.Category
	}
	spec := providers.Integration{ID: in.ID, Name: in.Name, FQN: in.FQN, Type: reported.Type, Provider: reported.Provider, Config: in.Config}
	s := st.reg.Recognize(spec)
	typ := s.Type
	if typ == "" {
		typ = spec.FullType()
	}
	return service.Integration{
		ID: in.ID, Name: in.Name, FQN: in.FQN, Provider: s.Provider, Store: s.Kind, Type: typ,
		Location: st.reg.Location(spec), Rules: st.reg.RulesText(spec),
		Config: in.Config, Reported: reported,
	}
}

// spec is the providers' view of an integration.
func spec(in service.Integration) providers.Integration {
	return providers.Integration{ID: in.ID, Name: in.Name, FQN: in.FQN, Type: in.Reported.Type, Provider: in.Reported.Provider, Config: in.Config}
}

// Choose delegates to the registry (design section 7 order).
func (st Stores) Choose(ins []service.Integration, integration, provider string) (service.Integration, error) {
	specs := make([]providers.Integration, 0, len(ins))
	for _, in := range ins {
		specs = append(specs, spec(in))
	}
	chosen, err := st.reg.Choose(specs, integration, provider)
	if err != nil {
		return service.Integration{}, err
	}
	i := slices.IndexFunc(ins, func(in service.Integration) bool { return in.ID == chosen.ID })
	if i < 0 {
		return service.Integration{}, failure.New(failure.Unexpected, "the chosen integration %s is not one of those listed", chosen.ID)
	}
	return ins[i], nil
}

// Explain hands API failures to the registry with their status and message.
func (st Stores) Explain(err error, in service.Integration, key string) error {
	e, ok := errors.AsType[*service.APIError](err)
	if !ok || e.Status == 0 {
		return nil
	}
	if f := st.reg.Explain(spec(in), providers.APIFailure{Status: e.Status, Message: e.Message, Key: key}); f != nil {
		f.Err = err
		return f
	}
	return nil
}

// StoreRules is the registry's store rules document.
func (st Stores) StoreRules() json.RawMessage { return st.reg.StoreRules() }

// StoreKey is the registry's name for key in the integration's store.
func (st Stores) StoreKey(in service.Integration, key string) string {
	return st.reg.StoreKey(spec(in), key)
}

// LoadPolicy builds the policies engine. cacheDir "" is the per-user
// default compilation cache.
func LoadPolicy(cacheDir string) service.LoadPolicy {
	return func(ctx context.Context, bundle string, stores json.RawMessage) (service.Policy, error) {
		e, err := policies.New(ctx, policies.Options{Bundle: bundle, Stores: stores, CacheDir: cacheDir})
		if err != nil {
			return nil, err
		}
		return &engine{e: e}, nil
	}
}

// engine adapts *policies.Engine to service.Policy.
type engine struct{ e *policies.Engine }

var _ service.Policy = (*engine)(nil)

// Decide evaluates the input; the engine and the service share its type.
func (d *engine) Decide(ctx context.Context, in policydoc.Input) (policydoc.Decision, error) {
	return d.e.Decide(ctx, in)
}

// EvalJSON is `policy eval`.
func (d *engine) EvalJSON(ctx context.Context, input []byte) ([]byte, error) {
	return d.e.EvalJSON(ctx, input)
}

// Modules lists the Rego sources in force.
func (d *engine) Modules() []plugin.PolicyModule {
	var out []plugin.PolicyModule
	for _, m := range d.e.Modules() {
		out = append(out, plugin.PolicyModule{Name: m.Name, Source: m.Source})
	}
	return out
}
