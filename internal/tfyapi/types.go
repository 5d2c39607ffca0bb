package tfyapi

import (
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/secret"
)

// SecretGroup is a secret group. Secrets never carry values here: the API
// returns none from any group endpoint.
type SecretGroup struct {
	ID            string
	Name          string // from "name", else "manifest.name", else the last ":" segment of FQN
	FQN           string // tenant:name
	TenantName    string
	IntegrationID string
	AccountID     string
	CreatedAt     time.Time // zero when the API omits it
	UpdatedAt     time.Time
	Secrets       []Secret
}

// Secret is one key of a group. Value is set only by calls that ask for
// values (GetSecret, ListSecrets with WithValue) and only when the control
// plane allows value viewing; check Value.IsSet.
type Secret struct {
	ID                string
	FQN               string // tenant:group:key
	Key               string // the API's "name"
	GroupID           string
	Value             secret.Value
	Version           int // the highest version number reported, else how many versions are listed; 0 when none are
	Versions          []SecretVersion
	ActiveDeployments *int // nil when the API does not report it
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// SecretVersion is one version of a secret. Version values are never kept,
// even when the API sends them.
type SecretVersion struct {
	ID        string
	FQN       string
	Version   int // 0 when the API omits the number
	CreatedAt time.Time
}

// Integration is a secret-store integration that a group can be bound to.
type Integration struct {
	ID          string
	Name        string
	FQN         string // tenant:provider-kind:account:secret-store:name
	Type        string // full manifest type, e.g. integration/secret-store/azure/vault; empty when unknown
	Category    string // "secret-store"
	Provider    string // aws, azure, gcp, hashicorp, truefoundry, custom; empty when unknown
	AccountName string // the provider account holding the integration
	// Config holds the non-credential settings that explain where values
	// live (region, key_vault_name, vault_url, ...). Credentials (auth_data)
	// are never copied.
	Config map[string]string
}

// SecretInput is one key of a group creation or update. In an update an
// unset Value keeps the stored value, and keys left out are deleted by the
// API; a creation needs every Value.
type SecretInput struct {
	Key   string
	Value secret.Value
}

// CreateGroupInput is the body of a group creation.
type CreateGroupInput struct {
	Name          string
	IntegrationID string
	Secrets       []SecretInput
}

// GroupManifest is the "secret-group" manifest used for upserts by name. It
// carries no values by design of the API.
type GroupManifest struct {
	Name           string
	IntegrationFQN string
	Collaborators  []Collaborator
	OwnedByAccount string // optional "ownedBy.account"
}

// Collaborator grants a subject (user:email, team:name, ...) a role on a
// group (secret-group-admin, secret-group-editor, ...).
type Collaborator struct {
	Subject string `json:"subject"`
	RoleID  string `json:"role_id"`
}

// ListGroupsOptions filters ListGroups.
type ListGroupsOptions struct {
	Search   string // name substring
	FQN      string // exact tenant:name
	PageSize int    // 1..1000; 0 means DefaultPageSize
}

// ListSecretsOptions filters ListSecrets.
type ListSecretsOptions struct {
	GroupID   string
	FQNs      []string // exact secret FQNs, without the tfy-secret:// prefix
	WithValue bool
	PageSize  int // 1..1000; 0 means DefaultPageSize
}

// ApplyResult is the answer to PUT /apply.
type ApplyResult struct {
	Action string // CREATE or UPDATE when the server says
	// ExistingManifest is the manifest stored before this apply, as JSON,
	// for diffs; nil when the server sends none.
	ExistingManifest []byte
}
