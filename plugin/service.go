// Package plugin owns the boundary between the tfy-secrets host and its
// plugin: the Service interface and the domain types that cross it, the
// go-plugin handshake, the gRPC protocol and the client/server shims that
// translate between wire messages and these types. It holds no domain logic:
// the plugin's implementation of Service lives in internal/service, and the
// host's use of it in host/.
//
// Nothing here may carry a secret value except secret.Value fields, which the
// gRPC shims copy into request messages and nowhere else.
package plugin

import (
	"context"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/internal/secret"
)

// Service is everything the host asks of the plugin. Every method returns
// errors as *failure.Error (or wrapping one) so that the kind, message and
// hint survive the wire.
type Service interface {
	Login(ctx context.Context, req LoginRequest) (AuthStatus, error)
	// Logout removes the stored key and says for which host.
	Logout(ctx context.Context, call Call) (AuthStatus, error)
	GetAuthStatus(ctx context.Context, call Call) (AuthStatus, error)

	ListIntegrations(ctx context.Context, req IntegrationsRequest) ([]Integration, error)

	// ListGroups streams groups to yield as pages arrive; it stops at the
	// first error yield returns.
	ListGroups(ctx context.Context, req ListGroupsRequest, yield func(Group) error) error
	GetGroup(ctx context.Context, req GetGroupRequest) (GroupDetail, error)
	GetSecret(ctx context.Context, req SecretRequest) (SecretInfo, error)
	ListSecretVersions(ctx context.Context, req SecretRequest) ([]Version, error)
	MakeRef(ctx context.Context, req RefRequest) (string, error)
	// CheckRefs says, for the groups and keys that manifest references
	// name, which exist: each group is looked up once, by its FQN, and only
	// its key names are read, never a value.
	CheckRefs(ctx context.Context, req CheckRefsRequest) (CheckRefsResult, error)

	// PlanMutation builds and policy-checks a mutation without writing anything. The
	// plugin keeps the plan (values included) for Apply, so values cross the
	// boundary once.
	PlanMutation(ctx context.Context, req MutationRequest) (Plan, error)
	// ApplyPlan carries out a plan made earlier in the same plugin process.
	ApplyPlan(ctx context.Context, req ApplyRequest) (Result, error)

	ShowPolicy(ctx context.Context, call Call) (PolicyInfo, error)
	// EvalPolicy evaluates a policy input document (JSON) and returns the
	// combined decision document (JSON).
	EvalPolicy(ctx context.Context, req PolicyEvalRequest) ([]byte, error)
}

// Client says who is asking: the CLI or an agent through the MCP server
// (policy input context.client).
type Client = policydoc.Client

// The clients.
const (
	ClientCLI = policydoc.ClientCLI
	ClientMCP = policydoc.ClientMCP
)

// Call is what every request carries about the invocation: the global flags
// and the terminal facts the policy input's "context" needs.
type Call struct {
	Host        string        // --host; empty means resolve (design section 4)
	PolicyPath  string        // --policy / TFY_SECRETS_POLICY; empty means defaults only
	Client      Client        // cli or mcp
	Interactive bool          // stdin and stderr are a TTY
	Yes         bool          // --yes
	ConfirmName string        // --confirm-name
	DryRun      bool          // --dry-run
	CI          bool          // CI environment detected
	ShowPrefix  bool          // --show-prefix
	Debug       bool          // --debug: redacted diagnostics on the plugin's stderr
	Timeout     time.Duration // --timeout; zero means the client default
}

// AuthStatus is what `auth status` shows. The key itself never appears.
type AuthStatus struct {
	Host         string
	Tenant       string
	KeySource    string       // "env TFY_API_KEY", "keyring", "~/.truefoundry/credentials.json", ...
	HostSource   string       // where Host came from: "flag", "env TFY_BASE_URL", "keyring", ...
	User         string       // the key's username (or email) claim; "" when it names nobody
	TenantSource TenantSource // where Tenant came from
	// KeyCheck says whether the host accepted the key; KeyCheckDetail says
	// why not, when it did not or could not be asked.
	KeyCheck       KeyCheck
	KeyCheckDetail string
}

// TenantSource is where a tenant name came from.
type TenantSource string

// The tenant sources, in the order they are tried.
const (
	TenantFromKey  TenantSource = "key"  // the API key's tenantName claim
	TenantFromAPI  TenantSource = "api"  // GET /api/svc/v1/tenant-id for the host
	TenantFromHost TenantSource = "host" // the host name's first label: a guess
)

// KeyCheck is the outcome of asking the host whether it accepts the key.
type KeyCheck string

// The key checks.
const (
	KeyValid      KeyCheck = "valid"      // the host answered an authenticated call
	KeyRejected   KeyCheck = "rejected"   // the host answered 401
	KeyUnverified KeyCheck = "unverified" // the host could not be asked (offline, 5xx, ...)
)

// LoginRequest carries a freshly typed API key to validate and store.
type LoginRequest struct {
	Call
	Key secret.Value
}

// IntegrationsRequest filters `integration list`.
type IntegrationsRequest struct {
	Call
	Provider string // aws|azure|gcp|hashicorp|truefoundry|custom; empty = all
}

// Integration is a secret-store integration.
type Integration struct {
	Name     string
	ID       string
	FQN      string
	Provider string // aws, azure, gcp, hashicorp, truefoundry, custom
	Store    string // secrets-manager, parameter-store, vault, gsm, db, generic
	Type     string // full manifest type: integration/secret-store/azure/vault
	Location string // region or vault name where known
	Rules    string // short text for people: "no underscores; max 25 KiB"
}

// ListGroupsRequest is `group list`.
type ListGroupsRequest struct {
	Call
	Search string
}

// Group is a secret group without its secrets.
type Group struct {
	Name          string
	ID            string
	FQN           string
	Tenant        string
	IntegrationID string
	SecretCount   int
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// GetGroupRequest is `group get`.
type GetGroupRequest struct {
	Call
	Group string // name, tenant:name FQN, or id
}

// GroupDetail is a group with its secrets, values masked by policy.
type GroupDetail struct {
	Group       Group
	Integration Integration // zero if the integration is not visible
	Secrets     []SecretInfo
	Warnings    []string
}

// SecretRequest names one secret: an id, GROUP:KEY, tenant:GROUP:KEY or
// tfy-secret://tenant:GROUP:KEY.
type SecretRequest struct {
	Call
	Secret string
}

// SecretInfo describes one secret. Masked is "(set)" or the first four
// characters followed by "***", as policy decides; never the value.
type SecretInfo struct {
	Key               string
	ID                string
	FQN               string
	Group             string
	Masked            string
	Version           int // 0 when the API reports none
	UpdatedAt         time.Time
	ActiveDeployments int // -1 when the API does not report it
}

// Version is one version of a secret: its number and time, never its value.
type Version struct {
	Version   int
	CreatedAt time.Time
}

// RefRequest is `ref GROUP KEY`.
type RefRequest struct {
	Call
	Group string
	Key   string
}

// CheckRefsRequest is `manifest check`: the distinct groups the
// references of some manifests name, each with the distinct keys they ask
// of it. Nothing in it, or in the answer, is a value.
type CheckRefsRequest struct {
	Call
	Groups []RefGroup
}

// RefGroup is one group that references name, as tenant:group, and the keys
// they name in it.
type RefGroup struct {
	FQN  string
	Keys []string
}

// CheckRefsResult answers CheckRefs.
type CheckRefsResult struct {
	// Tenant is the tenant of the login, which references must name, and
	// TenantSource where it came from (a tenant only guessed from the host
	// name cannot prove a reference wrong).
	Tenant       string
	TenantSource TenantSource
	// Groups answers each group asked, in the order asked.
	Groups []GroupAnswer
}

// GroupStatus is what a group lookup found.
type GroupStatus string

// The group statuses.
const (
	GroupFound    GroupStatus = "found"
	GroupNotFound GroupStatus = "not_found"
	// GroupOtherTenant is a group of another tenant than the login's: it
	// was not looked up, since the key cannot see it.
	GroupOtherTenant GroupStatus = "other_tenant"
	// GroupUnreadable is a group the lookup failed for (the key may not read
	// it, say); FailureKind, Message and Hint say why.
	GroupUnreadable GroupStatus = "unreadable"
)

// GroupAnswer is the answer about one group.
type GroupAnswer struct {
	FQN    string
	Status GroupStatus
	// Keys answers each key asked, in the order asked, when the group was
	// found.
	Keys []KeyAnswer
	// FailureKind, Message and Hint say why an unreadable group could not
	// be read.
	FailureKind failure.Kind
	Message     string
	Hint        string
}

// KeyAnswer is the answer about one key of a found group.
type KeyAnswer struct {
	Key   string
	Found bool
	// Suggestion is, for a key not found, the group's key that differs from
	// it only in letter case or in '_' against '-' ("did you mean"); empty
	// when there is none.
	Suggestion string
}

// The words of the policy documents, which package policydoc owns; the
// plugin's requests and results use them as they are.
type (
	Operation = policydoc.Operation
	Source    = policydoc.Source
	Action    = policydoc.Action
	Confirm   = policydoc.Confirm
)

// The operations.
const (
	OpGroupCreate     = policydoc.OpGroupCreate
	OpGroupUpdate     = policydoc.OpGroupUpdate
	OpGroupDelete     = policydoc.OpGroupDelete
	OpGroupList       = policydoc.OpGroupList
	OpGroupGet        = policydoc.OpGroupGet
	OpSecretGet       = policydoc.OpSecretGet
	OpSecretDelete    = policydoc.OpSecretDelete
	OpSecretVersions  = policydoc.OpSecretVersions
	OpManifestMigrate = policydoc.OpManifestMigrate
	OpManifestCheck   = policydoc.OpManifestCheck
	OpAuthLogin       = policydoc.OpAuthLogin
)

// The value sources.
const (
	SourceEnv      = policydoc.SourceEnv
	SourceFile     = policydoc.SourceFile
	SourceStdin    = policydoc.SourceStdin
	SourcePrompt   = policydoc.SourcePrompt
	SourceDotenv   = policydoc.SourceDotenv
	SourceManifest = policydoc.SourceManifest
	SourceLiteral  = policydoc.SourceLiteral
)

// The per-key actions. ActionUnchanged is the plugin's own: a key given the
// value it already has, for which nothing is written and which gets no new
// version; policies never see it (the key is not a change).
const (
	ActionAdd              = policydoc.ActionAdd
	ActionRotate           = policydoc.ActionRotate
	ActionKeep             = policydoc.ActionKeep
	ActionRemove           = policydoc.ActionRemove
	ActionUnchanged Action = "unchanged"
)

// The confirmation levels, weakest first.
const (
	ConfirmNone  = policydoc.ConfirmNone
	ConfirmYes   = policydoc.ConfirmYes
	ConfirmTyped = policydoc.ConfirmTyped
)

// Change is one key the user supplies a value for.
type Change struct {
	Key    string
	Source Source
	Origin string // for the plan, e.g. "env NEW_API_KEY", "file ./db.pass"; never a value
	Value  secret.Value
}

// MutationRequest asks for a plan of a create, update or delete.
type MutationRequest struct {
	Call
	Operation      Operation
	Group          string // create: the new name; otherwise name, FQN or id
	IntegrationRef string // create: --integration ID or FQN
	Provider       string // create: --provider
	Changes        []Change
	Unset          []string // update: --unset keys
	Replace        bool     // update: --replace
	Secret         string   // secret.delete: the SECRET argument
	// Overwrite (manifest.migrate: --overwrite) lets a migration replace a
	// value the group already holds with a different one; without it that
	// is a conflict.
	Overwrite bool
}

// PlannedChange is one line of a plan.
type PlannedChange struct {
	Key    string
	Action Action
	Source Source // empty for keep and remove
	Origin string
	// From is, in a manifest.migrate plan, the key as the request named it
	// when the group's store keeps it under another name (DB_PASSWORD for
	// Azure Key Vault's DB-PASSWORD); empty when Key is that name.
	From string
}

// Plan is a checked, not yet applied, mutation.
type Plan struct {
	ID                string // handle for ApplyPlan, valid in this plugin process only
	Operation         Operation
	Group             string // group name
	GroupFQN          string
	Store             string // "azure/vault"
	IntegrationFQN    string
	Changes           []PlannedChange
	Confirm           Confirm
	Warnings          []string
	ActiveDeployments int // blast radius for deletes; -1 when unknown
}

// ApplyRequest carries out a plan after the host obtained the confirmation
// the plan demands.
type ApplyRequest struct {
	Call
	PlanID    string
	Confirmed bool   // the user answered yes, or passed --yes
	TypedName string // what the user typed when Confirm is typed
}

// ResultChange is one key's outcome.
type ResultChange struct {
	Key    string
	Action Action
}

// Result reports an applied mutation.
type Result struct {
	Operation Operation
	Group     string
	Changes   []ResultChange
	// Verified: the group was read back after the write and holds every
	// key the plan wrote or kept, and (where values can be read) the
	// values written.
	Verified bool
	// Warnings say what the write could not rule out or what another
	// writer did around it; never a value.
	Warnings []string
}

// PolicyInfo describes the active policies for `policy show`.
type PolicyInfo struct {
	Modules []PolicyModule
	Bundle  string // path of the organisation bundle, empty when none
}

// PolicyModule is one Rego module with its source.
type PolicyModule struct {
	Name   string // e.g. "default/raw_values.rego" or "org:bundle/policy.rego"
	Source string
}

// MaxPolicyInput bounds the input document of `policy eval`, in the host
// that reads it, in the plugin that checks it and in the policy engine.
const MaxPolicyInput = policydoc.MaxInputBytes

// PolicyEvalRequest is `policy eval --input FILE`.
type PolicyEvalRequest struct {
	Call
	Input []byte
}
