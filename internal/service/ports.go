// Package service is the plugin's implementation of plugin.Service: it turns
// each request into a policy input, obeys the decision, calls the TrueFoundry
// API and, for mutations, plans first, re-reads before writing and verifies
// after. It owns group and secret resolution, SECRET reference parsing, the
// per-key update plan (merge, replace, unset), masking and the mapping of API
// errors to failure kinds with their user-facing messages.
//
// It must not print, prompt or touch a terminal (the host does that), must not
// put a secret value into a policy input, error, log line or plan, and must
// not know HTTP: it reaches TrueFoundry, the policy engine, credentials and
// provider rules only through the small interfaces declared here.
package service

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"log/slog"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/internal/secret"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// API is the part of the TrueFoundry client the service uses. A failed call
// returns an *APIError (or a context error); the service words them in one
// place (mapError).
type API interface {
	// ListGroups streams every group whose name contains search ("" = all).
	ListGroups(ctx context.Context, search string) iter.Seq2[Group, error]
	// GroupByFQN looks a group up by "tenant:name"; found is false when the
	// API answers with no match.
	GroupByFQN(ctx context.Context, fqn string) (g Group, found bool, err error)
	// GroupByID fetches a group by id; a missing group is the client's
	// not-found error.
	GroupByID(ctx context.Context, id string) (Group, error)
	// Secrets lists a group's secrets; values are read only when withValue.
	Secrets(ctx context.Context, groupID string, withValue bool) iter.Seq2[Secret, error]
	// SecretValues reads the secrets with these FQNs (tenant:group:key),
	// values included; a Secret's Value is unset when the control plane
	// hides values. The service uses it only to compare values with
	// digests, and wipes each value once compared.
	SecretValues(ctx context.Context, fqns []string) iter.Seq2[Secret, error]
	// SecretByID fetches one secret with its value (unset when value viewing
	// is disabled) and its version numbers.
	SecretByID(ctx context.Context, id string) (Secret, error)
	CreateGroup(ctx context.Context, name, integrationID string, secrets []Write) (Group, error)
	// UpdateGroup replaces the group's key set with secrets: a Write without
	// a value keeps that key, a key left out is deleted.
	UpdateGroup(ctx context.Context, id string, secrets []Write) (Group, error)
	DeleteGroup(ctx context.Context, id string) error
	DeleteSecret(ctx context.Context, id string) error
	// Ping makes the cheapest authenticated call there is, to validate a
	// key at login.
	Ping(ctx context.Context) error
	// TenantName is the API's answer to which tenant the host serves. It
	// sends no key.
	TenantName(ctx context.Context) (string, error)
	// Integrations lists the secret-store integrations, fully described
	// (provider, store, location and rules filled in).
	Integrations(ctx context.Context) ([]Integration, error)
}

// Integration is a secret-store integration inside the plugin: what the API
// reported (ID, Name, FQN, the settings in Config and the type and provider
// in Reported) and what the providers recognised from it (Provider, Store,
// Type, Location, Rules). A result carries it as a plugin.Integration.
type Integration struct {
	ID       string
	Name     string
	FQN      string
	Provider string // recognised: aws, azure, gcp, hashicorp, truefoundry, custom
	Store    string // recognised: secrets-manager, parameter-store, vault, gsm, ...
	Type     string // the canonical type: integration/secret-store/azure/vault
	Location string // region or vault name where known
	Rules    string // the store's rules for people: "no underscores; max 25 KiB"
	Config   map[string]string
	Reported Reported
}

// Reported is what the API said an integration is, before recognition: the
// providers read it again to choose an integration and explain failures.
type Reported struct {
	Type     string // integrations[].type: the full type or the category
	Provider string // the provider account's provider, e.g. "aws"
}

// wire is in as a result carries it.
func (in Integration) wire() plugin.Integration {
	return plugin.Integration{
		Name: in.Name, ID: in.ID, FQN: in.FQN, Provider: in.Provider, Store: in.Store,
		Type: in.Type, Location: in.Location, Rules: in.Rules,
	}
}

// Group is a secret group as the API reports it. Secrets carry keys and ids,
// never values.
type Group struct {
	ID            string
	Name          string
	FQN           string
	Tenant        string
	IntegrationID string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Secrets       []Secret
}

// Secret is one key of a group. Value is set only by reads that asked for it.
type Secret struct {
	ID                string
	Key               string
	FQN               string
	GroupID           string
	Version           int // 0 when the API reports none
	UpdatedAt         time.Time
	ActiveDeployments int // -1 when the API does not report it
	Versions          []plugin.Version
	Value             secret.Value
}

// Write is one entry of a create or update request. An unset Value means
// "keep the current value" (update only).
type Write struct {
	Key   string
	Value secret.Value
}

// Credentials resolves where to connect and with which key (design section 4)
// and stores or removes the key in the OS keyring.
type Credentials interface {
	// Host resolves the base URL from the --host flag value (may be empty)
	// and says where it came from.
	Host(ctx context.Context, flag string) (baseURL, source string, err error)
	// Key resolves the API key for baseURL and says where it came from.
	Key(ctx context.Context, baseURL string) (key secret.Value, source string, err error)
	Store(ctx context.Context, baseURL string, key secret.Value) error
	Delete(ctx context.Context, baseURL string) error
	// Tenant is the tenantName claim of a JWT key, "" when there is none.
	Tenant(key secret.Value) string
	// User is the username (or email) claim of a JWT key, "" when there is
	// none.
	User(key secret.Value) string
}

// Connect builds an API client for one base URL and key. log receives the
// client's redacted per-request diagnostics (discarded unless --debug).
type Connect func(baseURL string, key secret.Value, log *slog.Logger) (API, error)

// Policy is the policy in force: the default bundle plus an optional
// organisation bundle, combined.
type Policy interface {
	Decide(ctx context.Context, in policydoc.Input) (policydoc.Decision, error)
	// EvalJSON evaluates a raw input document and returns the decision
	// document.
	EvalJSON(ctx context.Context, input []byte) ([]byte, error)
	Modules() []plugin.PolicyModule
}

// LoadPolicy builds the policy engine for an organisation bundle path ("" =
// defaults only). stores is the providers' store rules document.
type LoadPolicy func(ctx context.Context, bundle string, stores json.RawMessage) (Policy, error)

// Locker serialises the writers of one group on this machine: Apply holds
// the lock from just before its final read of a group until it has verified
// its write, so two local processes cannot interleave a read and a full-set
// write. Lock waits until it holds the lock or ctx ends, then returns
// *LockBusy; any other error means no lock can be taken here at all.
type Locker interface {
	Lock(ctx context.Context, name string) (release func(), err error)
}

// LockBusy is a Locker's error when another process kept the lock until the
// wait ended.
type LockBusy struct {
	Holder int // process id, 0 when unknown
}

func (e *LockBusy) Error() string { return fmt.Sprintf("lock held by process %d", e.Holder) }

// Providers is the per-store knowledge (design section 7).
type Providers interface {
	// Choose picks the integration for a create: --integration wins, else
	// the only one, else the one matching --provider, else an error listing
	// the choices.
	Choose(ins []Integration, integration, provider string) (Integration, error)
	// Explain turns a store-specific API failure (soft-delete, scheduled
	// deletion, key-name rule, failed dependency) into a *failure.Error with
	// recovery hints, or returns nil when it has nothing to add.
	Explain(err error, in Integration, key string) error
	// StoreRules is the store rules document policies read as data.stores.
	StoreRules() json.RawMessage
	// StoreKey is the name in's store keeps key under: key itself, or,
	// where the store refuses a character of it that has a stand-in, the key
	// with the stand-in (Azure Key Vault: DB_PASSWORD is DB-PASSWORD).
	StoreKey(in Integration, key string) string
}
