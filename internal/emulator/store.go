package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/secret"
)

// store persists the emulator's state. The server keeps the live state in
// memory and hands the store a snapshot after every write, so a backend is
// just load and save.
type store interface {
	// load returns the saved snapshot, or nil when nothing was saved yet.
	load() (*snapshot, error)
	save(*snapshot) error
}

// memoryStore keeps nothing: state lives and dies with the process.
type memoryStore struct{}

func (memoryStore) load() (*snapshot, error) { return nil, nil }
func (memoryStore) save(*snapshot) error     { return nil }

// fileStore keeps the state in one JSON file, replaced atomically (a temp
// file in the same directory, then rename) so a crash mid-write leaves the
// previous state intact. The file holds secret values: it is created 0600.
type fileStore struct{ path string }

func (f fileStore) load() (*snapshot, error) {
	b, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	// An empty file is what mktemp or touch leaves: treat it as "no state
	// yet" rather than as corrupt.
	if len(b) == 0 {
		return nil, nil
	}
	var snap snapshot
	if err := json.Unmarshal(b, &snap); err != nil {
		return nil, fmt.Errorf("state file %s is not valid emulator state (%s); move it away or fix it, it was left untouched", f.path, describeJSONError(err))
	}
	if snap.Format != snapshotFormat {
		return nil, fmt.Errorf("state file %s has format %d, this emulator reads format %d; it was left untouched", f.path, snap.Format, snapshotFormat)
	}
	return &snap, nil
}

func (f fileStore) save(snap *snapshot) error {
	b, err := json.Marshal(snap)
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(f.path), ".tfy-emulator-state-*")
	if err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("save state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("save state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	if err := os.Rename(tmp.Name(), f.path); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return nil
}

// snapshotFormat is bumped when the snapshot's shape changes incompatibly.
const snapshotFormat = 1

// snapshot is the persisted form of state. Values are plain strings here
// because this file is the store: it is the one place they are written.
type snapshot struct {
	Format    int               `json:"format"`
	Tenant    string            `json:"tenant"`
	AccountID string            `json:"accountId"`
	Accounts  []snapAccount     `json:"accounts"`
	Groups    []snapGroup       `json:"groups"`
	Soft      []snapSoftDeleted `json:"softDeleted"`
	// Applied was added without a format bump: files without it load as
	// having applied nothing.
	Applied []snapApplied `json:"applied,omitempty"`
}

type snapAccount struct {
	ID           string            `json:"id"`
	Name         string            `json:"name"`
	Provider     string            `json:"provider"`
	CreatedAt    time.Time         `json:"createdAt"`
	Integrations []snapIntegration `json:"integrations"`
}

type snapIntegration struct {
	ID              string            `json:"id"`
	Name            string            `json:"name"`
	Type            string            `json:"type"`
	Config          map[string]string `json:"config"`
	Faulty          bool              `json:"faulty"`
	Retention       time.Duration     `json:"retention"`
	PurgeProtection bool              `json:"purgeProtection"`
}

type snapGroup struct {
	ID            string         `json:"id"`
	Name          string         `json:"name"`
	IntegrationID string         `json:"integrationId"`
	Collaborators []collaborator `json:"collaborators"`
	CreatedBy     string         `json:"createdBy"`
	CreatedAt     time.Time      `json:"createdAt"`
	UpdatedAt     time.Time      `json:"updatedAt"`
	Secrets       []snapSecret   `json:"secrets"`
}

type snapSecret struct {
	ID                string        `json:"id"`
	Key               string        `json:"key"`
	CreatedBy         string        `json:"createdBy"`
	CreatedAt         time.Time     `json:"createdAt"`
	UpdatedAt         time.Time     `json:"updatedAt"`
	ActiveDeployments *int          `json:"activeDeployments,omitempty"`
	Versions          []snapVersion `json:"versions"`
}

type snapVersion struct {
	ID        string    `json:"id"`
	Number    int       `json:"number"`
	Value     string    `json:"value"`
	CreatedAt time.Time `json:"createdAt"`
}

type snapSoftDeleted struct {
	IntegrationID string    `json:"integrationId"`
	Group         string    `json:"group"`
	Key           string    `json:"key"`
	DeletedAt     time.Time `json:"deletedAt"`
}

// snapApplied is an applied deployment manifest, already masked.
type snapApplied struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Name      string          `json:"name"`
	Manifest  json.RawMessage `json:"manifest"`
	CreatedBy string          `json:"createdBy"`
	CreatedAt time.Time       `json:"createdAt"`
	UpdatedAt time.Time       `json:"updatedAt"`
}

func (st *state) snapshot() *snapshot {
	snap := &snapshot{Format: snapshotFormat, Tenant: st.tenant, AccountID: st.accountID,
		Accounts: []snapAccount{}, Groups: make([]snapGroup, 0, len(st.groups)), Soft: []snapSoftDeleted{}}
	for _, a := range st.accounts {
		sa := snapAccount{ID: a.ID, Name: a.Name, Provider: a.Provider, CreatedAt: a.CreatedAt}
		for _, in := range a.Integrations {
			sa.Integrations = append(sa.Integrations, snapIntegration{ID: in.ID, Name: in.Name, Type: in.Type,
				Config: in.Config, Faulty: in.Faulty, Retention: in.Retention, PurgeProtection: in.PurgeProtection})
		}
		snap.Accounts = append(snap.Accounts, sa)
	}
	for _, g := range st.groups {
		sg := snapGroup{ID: g.ID, Name: g.Name, IntegrationID: g.IntegrationID, Collaborators: g.Collaborators,
			CreatedBy: g.CreatedBy, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
		for _, s := range g.Secrets {
			ss := snapSecret{ID: s.ID, Key: s.Key, CreatedBy: s.CreatedBy, CreatedAt: s.CreatedAt,
				UpdatedAt: s.UpdatedAt, ActiveDeployments: s.ActiveDeployments}
			for _, v := range s.Versions {
				ss.Versions = append(ss.Versions, snapVersion{ID: v.ID, Number: v.Number, Value: v.Value.Reveal(), CreatedAt: v.CreatedAt})
			}
			sg.Secrets = append(sg.Secrets, ss)
		}
		snap.Groups = append(snap.Groups, sg)
	}
	for k, at := range st.soft {
		snap.Soft = append(snap.Soft, snapSoftDeleted{IntegrationID: k.integration, Group: k.group, Key: k.key, DeletedAt: at})
	}
	for _, a := range st.applied {
		snap.Applied = append(snap.Applied, snapApplied{ID: a.ID, Type: a.Type, Name: a.Name, Manifest: a.Manifest,
			CreatedBy: a.CreatedBy, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt})
	}
	return snap
}

// restore rebuilds state from a snapshot, refusing one that contradicts
// itself rather than serving half of it.
func restore(snap *snapshot) (*state, error) {
	st := newState(snap.Tenant)
	st.accountID = snap.AccountID
	for _, sa := range snap.Accounts {
		a := &account{ID: sa.ID, Name: sa.Name, Provider: sa.Provider, CreatedAt: sa.CreatedAt}
		for _, si := range sa.Integrations {
			cfg := si.Config
			if cfg == nil {
				cfg = map[string]string{}
			}
			a.Integrations = append(a.Integrations, &integration{ID: si.ID, Name: si.Name, Type: si.Type, Config: cfg,
				Faulty: si.Faulty, Retention: si.Retention, PurgeProtection: si.PurgeProtection})
		}
		st.accounts = append(st.accounts, a)
	}
	st.indexAccounts()
	for i, sg := range snap.Groups {
		if sg.ID == "" || sg.Name == "" {
			return nil, fmt.Errorf("group %d: missing id or name", i)
		}
		if _, ok := st.integrations[sg.IntegrationID]; !ok {
			return nil, fmt.Errorf("group %q: unknown integration %q", sg.Name, sg.IntegrationID)
		}
		if _, dup := st.groupByName[sg.Name]; dup {
			return nil, fmt.Errorf("group %q appears twice", sg.Name)
		}
		g := &group{ID: sg.ID, Name: sg.Name, IntegrationID: sg.IntegrationID, Collaborators: sg.Collaborators,
			CreatedBy: sg.CreatedBy, CreatedAt: sg.CreatedAt, UpdatedAt: sg.UpdatedAt}
		for _, ss := range sg.Secrets {
			if len(ss.Versions) == 0 {
				return nil, fmt.Errorf("group %q: secret %q has no versions", sg.Name, ss.Key)
			}
			s := &secretRec{ID: ss.ID, Key: ss.Key, GroupID: g.ID, CreatedBy: ss.CreatedBy, CreatedAt: ss.CreatedAt,
				UpdatedAt: ss.UpdatedAt, ActiveDeployments: ss.ActiveDeployments}
			for _, sv := range ss.Versions {
				s.Versions = append(s.Versions, version{ID: sv.ID, Number: sv.Number, Value: secret.FromString(sv.Value), CreatedAt: sv.CreatedAt})
			}
			g.Secrets = append(g.Secrets, s)
		}
		st.addGroup(g)
	}
	for _, sd := range snap.Soft {
		st.soft[softKey{sd.IntegrationID, sd.Group, sd.Key}] = sd.DeletedAt
	}
	for i, sa := range snap.Applied {
		if sa.ID == "" || sa.Type == "" || sa.Name == "" {
			return nil, fmt.Errorf("applied manifest %d: missing id, type or name", i)
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(sa.Manifest, &obj) != nil || obj == nil {
			return nil, fmt.Errorf("applied %s %q: manifest is not a JSON object", sa.Type, sa.Name)
		}
		k := appKey{sa.Type, sa.Name}
		if st.applied[k] != nil {
			return nil, fmt.Errorf("applied %s %q appears twice", sa.Type, sa.Name)
		}
		st.applied[k] = &applied{ID: sa.ID, Type: sa.Type, Name: sa.Name, Manifest: sa.Manifest,
			CreatedBy: sa.CreatedBy, CreatedAt: sa.CreatedAt, UpdatedAt: sa.UpdatedAt}
	}
	return st, nil
}
