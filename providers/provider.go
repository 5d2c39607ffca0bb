// Package providers knows the secret stores behind TrueFoundry's secret-store
// integrations: how to recognise an integration's store, the key-name and
// value-size rules each store enforces (fed to the policy engine as data and
// shown to people), and how to explain a store's failures with concrete next
// steps. One subpackage per cloud (aws, azure, gcp) implements Provider;
// stores nobody implements are handled by a generic store that says what it
// does not know.
//
// This package makes no network calls and never sees a secret value: rules
// are checked by the policy engine from key names and value lengths.
package providers

import (
	"strings"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

// TypePrefix starts every secret-store integration type.
const TypePrefix = "integration/secret-store/"

// Integration is what the API says about a secret-store integration, reduced
// to what providers need.
type Integration struct {
	ID           string
	Name         string
	FQN          string
	Type         string            // integrations[].type: the full type or the category "secret-store"
	ManifestType string            // manifest.type, when present
	Provider     string            // the provider account's provider, e.g. "aws"
	Config       map[string]string // store settings such as region or key_vault_name
}

// FullType is the integration's full type when either field carries one.
func (in Integration) FullType() string {
	for _, t := range []string{in.Type, in.ManifestType} {
		if strings.HasPrefix(t, TypePrefix) {
			return t
		}
	}
	return ""
}

// IsSecretStore reports whether the integration is a secret store, by any of
// the conventions the API uses (truefoundry-api.md section 4.10).
func (in Integration) IsSecretStore() bool {
	return in.Type == "secret-store" || in.FullType() != ""
}

// Rules are a store's constraints on key names and value sizes. The JSON
// form is the policy data contract (data.stores[type] in Rego).
type Rules struct {
	Name          string `json:"name"`            // the store's name for people
	KeyChars      string `json:"key_chars"`       // every character a key may contain
	KeyMin        int    `json:"key_min"`         // shortest key
	KeyMax        int    `json:"key_max"`         // longest key
	KeyPattern    string `json:"key_pattern"`     // the same rule as a regular expression, for people and tests
	MaxValueBytes int    `json:"max_value_bytes"` // largest value the store accepts
	UnderscoreOK  bool   `json:"underscore_ok"`   // whether "_" is allowed (the common trip-up)
}

// Summary is a short text of the rules for tables, e.g.
// "keys [0-9A-Za-z-], 1-127 chars, no underscores; values ≤ 25 KiB".
func (r Rules) Summary() string {
	var b strings.Builder
	b.WriteString("keys " + charClass(r.KeyPattern))
	b.WriteString(", " + itoa(r.KeyMin) + "-" + itoa(r.KeyMax) + " chars")
	if !r.UnderscoreOK {
		b.WriteString(", no underscores")
	}
	b.WriteString("; values ≤ " + sizeText(r.MaxValueBytes))
	return b.String()
}

// StoreKey is the name a store with these rules keeps key under. The only
// stand-in is the one the key-name policy suggests: a store that refuses
// '_' but allows '-' (Azure Key Vault) keeps DB_PASSWORD as DB-PASSWORD.
// Any other character the store refuses is left for the policy to refuse,
// naming it, rather than guessed at.
func (r Rules) StoreKey(key string) string {
	if r.UnderscoreOK || !strings.ContainsRune(r.KeyChars, '-') {
		return key
	}
	return strings.ReplaceAll(key, "_", "-")
}

// Store is one kind of secret store.
type Store struct {
	Type     string // canonical integration type, e.g. integration/secret-store/azure/vault
	Provider string // aws, azure, gcp, hashicorp, truefoundry, custom
	Kind     string // secrets-manager, parameter-store, vault, gsm, db, generic
	Rules    *Rules // nil when the rules are not known
}

// Name is the store's name for people.
func (s Store) Name() string {
	if s.Rules != nil {
		return s.Rules.Name
	}
	if s.Provider == "" {
		return "unknown secret store"
	}
	return s.Provider + "/" + s.Kind
}

// Short is "provider/kind", as plans show it ("azure/vault").
func (s Store) Short() string {
	if s.Kind == "" {
		return s.Provider
	}
	return s.Provider + "/" + s.Kind
}

// APIFailure is a failed API answer about a store, as Explain needs it.
type APIFailure struct {
	Status  int    // HTTP status
	Message string // the server's message
	Key     string // the key being written when known
}

// Provider is one cloud's knowledge of its stores.
type Provider interface {
	// Name is the provider as --provider spells it: aws, azure, gcp.
	Name() string
	// Stores lists the stores this provider knows, with their rules.
	Stores() []Store
	// Recognize returns the store of an integration of this provider.
	Recognize(in Integration) (Store, bool)
	// Location is the region or vault the integration points at, or "".
	Location(in Integration) string
	// Explain turns a store-specific failure into a message with concrete
	// next steps; nil when it has nothing specific to say.
	Explain(st Store, in Integration, f APIFailure) *failure.Error
}
