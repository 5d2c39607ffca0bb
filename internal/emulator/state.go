package emulator

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/secret"
)

// account is a provider account holding integrations.
type account struct {
	ID           string
	Name         string
	Provider     string // aws, azure, gcp
	Integrations []*integration
	CreatedAt    time.Time
}

// integration is one provider integration. Only secret-store ones can hold
// groups; the docker registry exists so clients must filter.
type integration struct {
	ID        string
	Name      string
	Type      string
	FQN       string
	AccountID string
	Config    map[string]string // region, key_vault_name
	// Faulty makes every write to the integration fail with 424, as when
	// the backing store is unreachable.
	Faulty bool
	// Retention is how long a deleted name stays soft-deleted; zero turns
	// soft delete off. Only stores with soft delete use it.
	Retention       time.Duration
	PurgeProtection bool
}

func (in *integration) isSecretStore() bool { return strings.HasPrefix(in.Type, secretStorePrefix) }

// collaborator is a manifest collaborator, kept as given.
type collaborator struct {
	Subject string `json:"subject"`
	RoleID  string `json:"role_id"`
}

type group struct {
	ID            string
	Name          string
	IntegrationID string
	Collaborators []collaborator
	CreatedBy     string // subject slug of the creating key
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Secrets       []*secretRec // in the order the last write listed them

	// view caches the group's rendered JSON: lists re-render nothing that
	// did not change, which keeps a 10,000-group listing cheap. Readers
	// fill it under the read lock, hence atomic; every write clears it.
	view atomic.Pointer[json.RawMessage]
}

// touch drops the cached rendering after a change.
func (g *group) touch() { g.view.Store(nil) }

func (g *group) secret(key string) *secretRec {
	for _, s := range g.Secrets {
		if s.Key == key {
			return s
		}
	}
	return nil
}

// byKey indexes the group's secrets for a whole-set write, which would
// otherwise look up each of up to thousands of keys with a scan.
func (g *group) byKey() map[string]*secretRec {
	m := make(map[string]*secretRec, len(g.Secrets))
	for _, s := range g.Secrets {
		m[s.Key] = s
	}
	return m
}

type secretRec struct {
	ID        string
	Key       string
	GroupID   string
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
	Versions  []version // oldest first; the last one is current
	// ActiveDeployments is nil until a test sets it, so the field is emitted
	// only when it means something.
	ActiveDeployments *int
}

func (s *secretRec) current() version { return s.Versions[len(s.Versions)-1] }

type version struct {
	ID        string
	Number    int
	Value     secret.Value
	CreatedAt time.Time
}

// softKey is a name a store keeps after deletion. Names are scoped by
// integration, group name and key, because a group's keys live in the
// group's own namespace of the store.
type softKey struct{ integration, group, key string }

// state is everything the emulator serves. It is guarded by Server.mu.
// Groups are kept in insertion order for stable pagination, with maps for
// the lookups every request needs, so no request scans more than it returns
// (search and unfiltered secret lists excepted, which are linear).
type state struct {
	tenant    string
	accountID string // the tenant's account id, emitted as accountId
	accounts  []*account

	integrations map[string]*integration // by id
	intByFQN     map[string]*integration

	groups      []*group
	groupByID   map[string]*group
	groupByName map[string]*group
	secretByID  map[string]*secretRec

	soft map[softKey]time.Time

	applied map[appKey]*applied // deployment manifests, by type and name
}

func newState(tenant string) *state {
	return &state{
		tenant:       tenant,
		integrations: map[string]*integration{},
		intByFQN:     map[string]*integration{},
		groupByID:    map[string]*group{},
		groupByName:  map[string]*group{},
		secretByID:   map[string]*secretRec{},
		soft:         map[softKey]time.Time{},
		applied:      map[appKey]*applied{},
	}
}

// seedState builds the start-up state: one integration of each store type,
// plus a docker registry that is not a secret store.
func seedState(tenant string, withStores bool, now time.Time) *state {
	st := newState(tenant)
	st.accountID = newID()
	mk := func(name, provider string, ints ...*integration) {
		a := &account{ID: newID(), Name: name, Provider: provider, Integrations: ints, CreatedAt: now}
		st.accounts = append(st.accounts, a)
	}
	storeInt := func(name, typ string, cfg map[string]string) *integration {
		r := rulesByType[typ]
		in := &integration{ID: newID(), Name: name, Type: typ, Config: cfg}
		if r != nil {
			in.Retention = r.defaultRetention
		}
		return in
	}
	ecr := storeInt("ecr", typeDockerRegistry, map[string]string{"registry_url": "000000000000.dkr.ecr.us-east-1.amazonaws.com"})
	if withStores {
		mk("aws-dev", "aws",
			storeInt("secrets-manager", TypeAWSSecretsManager, map[string]string{"region": "us-east-1"}),
			storeInt("parameter-store", TypeAWSParameterStore, map[string]string{"region": "us-east-1"}),
			ecr)
		mk("azure-dev", "azure", storeInt("key-vault", TypeAzureVault, map[string]string{"key_vault_name": tenant + "-kv"}))
		mk("gcp-dev", "gcp", storeInt("gsm", TypeGCPGSM, map[string]string{}))
	} else {
		mk("aws-dev", "aws", ecr)
	}
	st.indexAccounts()
	return st
}

// indexAccounts fills in integration FQNs and the lookup maps.
func (st *state) indexAccounts() {
	for _, a := range st.accounts {
		for _, in := range a.Integrations {
			in.AccountID = a.ID
			in.FQN = fmt.Sprintf("%s:%s:%s:%s:%s", st.tenant, a.Provider, a.Name, integrationKind(in.Type), in.Name)
			st.integrations[in.ID] = in
			st.intByFQN[in.FQN] = in
		}
	}
}

// integrationKind is the category segment of a type:
// integration/secret-store/aws/vault -> secret-store.
func integrationKind(typ string) string {
	parts := strings.Split(typ, "/")
	if len(parts) < 2 {
		return typ
	}
	return parts[1]
}

func (st *state) addGroup(g *group) {
	st.groups = append(st.groups, g)
	st.groupByID[g.ID] = g
	st.groupByName[g.Name] = g
	for _, s := range g.Secrets {
		st.secretByID[s.ID] = s
	}
}

func (st *state) removeGroup(g *group) {
	st.groups = slices.DeleteFunc(st.groups, func(x *group) bool { return x == g })
	delete(st.groupByID, g.ID)
	delete(st.groupByName, g.Name)
	for _, s := range g.Secrets {
		delete(st.secretByID, s.ID)
	}
}

// markDeleted records a deleted key as soft-deleted when its store keeps
// deleted names.
func (st *state) markDeleted(in *integration, groupName, key string, now time.Time) {
	r := rulesByType[in.Type]
	if r == nil || r.softDelete == noSoftDelete || in.Retention <= 0 {
		return
	}
	st.soft[softKey{in.ID, groupName, key}] = now
}

// isSoftDeleted reports whether the name is still held, forgetting it once
// its retention has passed.
func (st *state) isSoftDeleted(in *integration, groupName, key string, now time.Time) bool {
	k := softKey{in.ID, groupName, key}
	at, ok := st.soft[k]
	if !ok {
		return false
	}
	if r := rulesByType[in.Type]; r == nil || r.softDelete == noSoftDelete {
		// Only from a hand-edited state file: this store keeps no names.
		delete(st.soft, k)
		return false
	}
	if in.Retention <= 0 || !now.Before(at.Add(in.Retention)) {
		delete(st.soft, k)
		return false
	}
	return true
}

// idEncoding is lower-case base32 without padding: URL-safe and readable.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newID returns a random 24-character id (120 bits), unguessable so tests
// cannot lean on id formats the real API does not promise.
func newID() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return idEncoding.EncodeToString(b)
}

// stamp renders a time the way the emulator's API does: RFC 3339, UTC,
// milliseconds.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }
