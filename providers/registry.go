package providers

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

// Providers a user can name with --provider, including the ones handled by
// the generic store.
var knownProviders = []string{"aws", "azure", "gcp", "hashicorp", "truefoundry", "custom"}

// Registry holds the providers and answers for all of them.
type Registry struct {
	providers []Provider
}

// NewRegistry returns a registry of the given providers.
func NewRegistry(ps ...Provider) *Registry { return &Registry{providers: ps} }

// KnownProvider reports whether name is a provider --provider accepts.
func KnownProvider(name string) bool { return slices.Contains(knownProviders, name) }

// Recognize returns the store behind an integration. An integration no
// provider claims gets a generic store (rules unknown) named after the type.
func (r *Registry) Recognize(in Integration) Store {
	for _, p := range r.providers {
		if st, ok := p.Recognize(in); ok {
			return st
		}
	}
	return genericStore(in)
}

// genericStore names a store from its type ("integration/secret-store/hashicorp/vault")
// or, failing that, its provider.
func genericStore(in Integration) Store {
	st := Store{Type: in.FullType(), Provider: in.Provider}
	if rest, ok := strings.CutPrefix(st.Type, TypePrefix); ok {
		provider, kind, _ := strings.Cut(rest, "/")
		st.Provider, st.Kind = provider, kind
	}
	return st
}

// Location returns the region or vault of an integration, when its provider knows.
func (r *Registry) Location(in Integration) string {
	st := r.Recognize(in)
	for _, p := range r.providers {
		if p.Name() == st.Provider {
			return p.Location(in)
		}
	}
	return ""
}

// StoreRules is the store rules document the policy engine evaluates
// against (its data.stores): {"<type>": Rules}.
func (r *Registry) StoreRules() json.RawMessage {
	stores := map[string]Rules{}
	for _, p := range r.providers {
		for _, st := range p.Stores() {
			if st.Rules != nil {
				stores[st.Type] = *st.Rules
			}
		}
	}
	b, err := json.Marshal(stores)
	if err != nil {
		panic(fmt.Sprintf("providers: marshal store rules: %v", err)) // static data; cannot fail
	}
	return b
}

// Stores lists every store with known rules, in provider order.
func (r *Registry) Stores() []Store {
	var out []Store
	for _, p := range r.providers {
		out = append(out, p.Stores()...)
	}
	return out
}

// Explain turns an API failure on an integration into a user-facing failure.
// Store-specific explanations come first; the generic ones cover what every
// store shares (424 from a faulty integration). It returns nil when nothing
// store-related applies, leaving the caller's generic mapping in charge.
func (r *Registry) Explain(in Integration, f APIFailure) *failure.Error {
	st := r.Recognize(in)
	for _, p := range r.providers {
		if p.Name() == st.Provider {
			if e := p.Explain(st, in, f); e != nil {
				return e
			}
		}
	}
	if f.Status == 424 {
		return FaultyIntegration(st, in, f)
	}
	return nil
}

// FaultyIntegration explains a 424 Failed Dependency: the store behind the
// integration did not answer as TrueFoundry expected.
func FaultyIntegration(st Store, in Integration, f APIFailure) *failure.Error {
	name := in.FQN
	if name == "" {
		name = in.Name
	}
	msg := fmt.Sprintf("the %s behind integration %q failed", st.Name(), name)
	if f.Message != "" {
		msg += ": " + f.Message
	}
	return failure.New(failure.Unavailable, "%s", msg).WithHint(
		"ask your platform admin to check the integration's credentials and the store's health; " +
			"deleting with force (API forceDelete) removes the group from TrueFoundry even while the store is " +
			"unreachable, but leaves any values already in the store behind")
}

// NoSecretStore is the failure when the tenant has no secret-store integration.
func NoSecretStore() *failure.Error {
	return failure.New(failure.NotFound, "no secret store configured for this workspace").
		WithHint("contact your platform admin to add a secret-store integration (AWS, Azure, GCP, ...)")
}

// Choose picks the integration a new group goes to (design section 7):
// --integration (id, FQN, or the name `integration list` shows, when only
// one store has it) wins; else the only secret store; else the one
// matching --provider; else a usage error listing the choices.
func (r *Registry) Choose(all []Integration, integration, provider string) (Integration, error) {
	var stores []Integration
	for _, in := range all {
		if in.IsSecretStore() {
			stores = append(stores, in)
		}
	}
	if integration != "" {
		return r.chooseNamed(stores, integration, provider)
	}
	if len(stores) == 0 {
		return Integration{}, NoSecretStore()
	}
	if provider != "" && !KnownProvider(provider) {
		return Integration{}, failure.New(failure.Usage, "unknown provider %q", provider).
			WithHint("use one of: %s", strings.Join(knownProviders, ", "))
	}
	candidates := stores
	if provider != "" {
		candidates = nil
		for _, in := range stores {
			if r.Recognize(in).Provider == provider {
				candidates = append(candidates, in)
			}
		}
		if len(candidates) == 0 {
			return Integration{}, failure.New(failure.NotFound, "no %s secret store is configured", provider).
				WithHint("available secret stores:\n%s", r.choices(stores))
		}
	}
	if len(candidates) == 1 {
		return candidates[0], nil
	}
	what := "several secret stores are configured"
	if provider != "" {
		what = fmt.Sprintf("several %s secret stores are configured", provider)
	}
	return Integration{}, failure.New(failure.Usage, "%s; choose one with --integration", what).
		WithHint("choices:\n%s", r.choices(candidates))
}

// chooseNamed resolves --integration. An id or FQN names one integration
// outright. A name is only unique within a provider account, so it is
// taken when exactly one store has it (--provider may settle a tie), and
// otherwise every match is listed by its FQN.
func (r *Registry) chooseNamed(stores []Integration, integration, provider string) (Integration, error) {
	for _, in := range stores {
		if in.ID == integration || in.FQN == integration {
			return in, nil
		}
	}
	var named []Integration
	for _, in := range stores {
		if in.Name == integration && (provider == "" || r.Recognize(in).Provider == provider) {
			named = append(named, in)
		}
	}
	switch len(named) {
	case 0:
		return Integration{}, failure.New(failure.NotFound, "integration %q not found or is not a secret store", integration).
			WithHint("list the secret stores with: tfy-secrets integration list")
	case 1:
		return named[0], nil
	}
	return Integration{}, failure.New(failure.Usage, "%d secret stores are named %q; choose one by its FQN", len(named), integration).
		WithHint("choices:\n%s", r.choices(named))
}

// choices renders one line per integration: name, provider/store, FQN.
func (r *Registry) choices(ins []Integration) string {
	lines := make([]string, 0, len(ins))
	for _, in := range ins {
		st := r.Recognize(in)
		lines = append(lines, fmt.Sprintf("  %-24s %-28s --integration %s", in.Name, st.Short(), in.FQN))
	}
	return strings.Join(lines, "\n")
}

// StoreKey is the name the integration's store keeps key under (see
// Rules.StoreKey); key itself when the store's rules are unknown.
func (r *Registry) StoreKey(in Integration, key string) string {
	st := r.Recognize(in)
	if st.Rules == nil {
		return key
	}
	return st.Rules.StoreKey(key)
}

// RulesText is the short rules column of `integration list`.
func (r *Registry) RulesText(in Integration) string {
	st := r.Recognize(in)
	if st.Rules == nil {
		return "rules unknown"
	}
	return st.Rules.Summary()
}
