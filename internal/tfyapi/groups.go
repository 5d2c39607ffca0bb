package tfyapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// ListGroups walks every group the key can see (GET /secret-groups), page
// by page as the caller consumes them. A failure is yielded once, last.
func (c *Client) ListGroups(ctx context.Context, opts ListGroupsOptions) iter.Seq2[SecretGroup, error] {
	l := lister[wireGroup, SecretGroup]{
		op:   "list secret groups",
		size: pageSize(opts.PageSize),
		request: func(offset, limit int) *request {
			q := url.Values{"limit": {strconv.Itoa(limit)}, "offset": {strconv.Itoa(offset)}}
			if opts.Search != "" {
				q.Set("search", opts.Search)
			}
			if opts.FQN != "" {
				q.Set("fqn", opts.FQN)
			}
			return &request{op: "list secret groups", method: http.MethodGet, path: "/secret-groups", query: q, idempotent: true}
		},
		convert: (*wireGroup).group,
		id:      func(w *wireGroup) string { return string(w.ID) },
	}
	return l.walk(ctx, c)
}

// GetGroup reads one group and its keys (never values).
func (c *Client) GetGroup(ctx context.Context, id string) (SecretGroup, error) {
	const op = "get secret group"
	if err := checkID(op, id); err != nil {
		return SecretGroup{}, err
	}
	var g SecretGroup
	err := c.call(ctx, &request{op: op, method: http.MethodGet, path: "/secret-groups/" + url.PathEscape(id), idempotent: true},
		func(r io.Reader) (err error) { g, err = decodeGroup(r, op); return err })
	return g, err
}

type wireSecretInput struct {
	Key   string  `json:"key"`
	Value *string `json:"value,omitempty"`
}

// CreateGroup creates a group with its first secrets (POST /secret-groups).
// It is never retried: a lost response followed by a retry would hit the
// duplicate-name error for a group that was in fact created.
func (c *Client) CreateGroup(ctx context.Context, in CreateGroupInput) (SecretGroup, error) {
	const op = "create secret group"
	switch {
	case in.Name == "":
		return SecretGroup{}, errors.New(op + ": empty group name")
	case in.IntegrationID == "":
		return SecretGroup{}, errors.New(op + ": empty integration id")
	}
	secrets := make([]wireSecretInput, len(in.Secrets))
	values := make([]string, 0, len(in.Secrets))
	for i, s := range in.Secrets {
		if s.Key == "" {
			return SecretGroup{}, fmt.Errorf("%s: secret %d has an empty key", op, i+1)
		}
		if !s.Value.IsSet() {
			return SecretGroup{}, fmt.Errorf("%s: secret %q has no value", op, s.Key)
		}
		v := s.Value.Reveal()
		secrets[i] = wireSecretInput{Key: s.Key, Value: &v}
		values = append(values, v)
	}
	body, err := json.Marshal(struct {
		Name          string            `json:"name"`
		IntegrationID string            `json:"integrationId"`
		Secrets       []wireSecretInput `json:"secrets"`
	}{in.Name, in.IntegrationID, secrets})
	if err != nil {
		return SecretGroup{}, fmt.Errorf("%s: encode request: %w", op, err)
	}
	var g SecretGroup
	err = c.call(ctx, &request{op: op, method: http.MethodPost, path: "/secret-groups", body: body, values: values},
		func(r io.Reader) (err error) { g, err = decodeGroup(r, op); return err })
	return g, err
}

// UpdateGroup replaces the group's key set (PUT /secret-groups/{id}): keys
// with a Value get it (a new version when it changed), keys without one keep
// their value, and every key left out is deleted by the API. Callers that
// mean to merge must list every key they keep.
func (c *Client) UpdateGroup(ctx context.Context, id string, secrets []SecretInput) (SecretGroup, error) {
	const op = "update secret group"
	if err := checkID(op, id); err != nil {
		return SecretGroup{}, err
	}
	wire := make([]wireSecretInput, len(secrets))
	values := make([]string, 0, len(secrets))
	for i, s := range secrets {
		if s.Key == "" {
			return SecretGroup{}, fmt.Errorf("%s: secret %d has an empty key", op, i+1)
		}
		wire[i].Key = s.Key
		if s.Value.IsSet() {
			v := s.Value.Reveal()
			wire[i].Value = &v
			values = append(values, v)
		}
	}
	body, err := json.Marshal(struct {
		Secrets []wireSecretInput `json:"secrets"`
	}{wire})
	if err != nil {
		return SecretGroup{}, fmt.Errorf("%s: encode request: %w", op, err)
	}
	var g SecretGroup
	err = c.call(ctx, &request{op: op, method: http.MethodPut, path: "/secret-groups/" + url.PathEscape(id), body: body, values: values},
		func(r io.Reader) (err error) { g, err = decodeGroup(r, op); return err })
	return g, err
}

// DeleteGroup deletes a group with all its secrets and versions. force asks
// the API to delete even when the backing store is failing.
func (c *Client) DeleteGroup(ctx context.Context, id string, force bool) error {
	const op = "delete secret group"
	if err := checkID(op, id); err != nil {
		return err
	}
	return c.call(ctx, &request{op: op, method: http.MethodDelete, path: "/secret-groups/" + url.PathEscape(id), query: forceQuery(force)}, nil)
}

func forceQuery(force bool) url.Values {
	if !force {
		return nil
	}
	return url.Values{"forceDelete": {"true"}}
}

type wireManifestOut struct {
	Type           string         `json:"type"`
	Name           string         `json:"name"`
	IntegrationFQN string         `json:"integration_fqn"`
	Collaborators  []Collaborator `json:"collaborators"`
	OwnedBy        *struct {
		Account string `json:"account"`
	} `json:"ownedBy,omitempty"`
}

func (m GroupManifest) wire() wireManifestOut {
	w := wireManifestOut{Type: "secret-group", Name: m.Name, IntegrationFQN: m.IntegrationFQN, Collaborators: m.Collaborators}
	if w.Collaborators == nil {
		w.Collaborators = []Collaborator{} // required by the schema, even empty
	}
	if m.OwnedByAccount != "" {
		w.OwnedBy = &struct {
			Account string `json:"account"`
		}{m.OwnedByAccount}
	}
	return w
}

// UpsertGroupManifest creates or updates a group by name from a manifest
// (PUT /secret-groups). With dryRun the server only validates; it may then
// answer without a group, and the zero SecretGroup is returned.
func (c *Client) UpsertGroupManifest(ctx context.Context, m GroupManifest, dryRun bool) (SecretGroup, error) {
	const op = "upsert secret group"
	if m.Name == "" {
		return SecretGroup{}, errors.New(op + ": empty group name")
	}
	body, err := json.Marshal(struct {
		Manifest wireManifestOut `json:"manifest"`
		DryRun   bool            `json:"dryRun"`
	}{m.wire(), dryRun})
	if err != nil {
		return SecretGroup{}, fmt.Errorf("%s: encode request: %w", op, err)
	}
	var g SecretGroup
	err = c.call(ctx, &request{op: op, method: http.MethodPut, path: "/secret-groups", body: body},
		func(r io.Reader) error {
			var env dataEnvelope[wireGroup]
			if err := decodeJSON(r, &env); err != nil {
				return decodeErr(op, err)
			}
			switch {
			case env.Data != nil:
				g = env.Data.group()
			case !dryRun:
				return fmt.Errorf("decode %s response: missing \"data\"", op)
			}
			return nil
		})
	return g, err
}
