package tfyapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// configKeys are the manifest settings copied into Integration.Config: where
// a store keeps values, never how it authenticates (auth_data and the like
// are left behind).
var configKeys = []string{"region", "key_vault_name", "vault_url", "kv_mount_path", "root_path", "namespace", "kms_arn", "base_url"}

// wireIntegrationManifest keeps the integration manifest's scalar fields
// raw so that only allow-listed ones are ever decoded.
type wireIntegrationManifest map[string]json.RawMessage

func (m wireIntegrationManifest) str(key string) string {
	raw, ok := m[key]
	if !ok {
		return ""
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] == '{' || raw[0] == '[' || string(raw) == "null" {
		return ""
	}
	var s string
	if raw[0] == '"' {
		if json.Unmarshal(raw, &s) != nil {
			return ""
		}
		return s
	}
	return string(raw) // a number or boolean, as written
}

type wireAccountRef struct {
	Name     flexString               `json:"name"`
	FQN      flexString               `json:"fqn"`
	Provider flexString               `json:"provider"`
	Manifest *wireIntegrationManifest `json:"manifest"`
}

type wireIntegration struct {
	ID                 flexString               `json:"id"`
	Name               flexString               `json:"name"`
	FQN                flexString               `json:"fqn"`
	Type               flexString               `json:"type"`
	Manifest           *wireIntegrationManifest `json:"manifest"`
	ProviderAccountFQN flexString               `json:"providerAccountFqn"`
	ProviderAccount    *wireAccountRef          `json:"providerAccount"`
}

type wireProviderAccount struct {
	ID           flexString               `json:"id"`
	Name         flexString               `json:"name"`
	FQN          flexString               `json:"fqn"`
	Provider     flexString               `json:"provider"`
	Manifest     *wireIntegrationManifest `json:"manifest"`
	Integrations []wireIntegration        `json:"integrations"`
}

func (w *wireIntegration) manifestType() string {
	if w.Manifest == nil {
		return ""
	}
	return w.Manifest.str("type")
}

const secretStorePrefix = "integration/secret-store/"

// isSecretStore applies truefoundry-api.md 4.10: "type" may be the category
// or the full manifest type, and the manifest may say it instead.
func (w *wireIntegration) isSecretStore() bool {
	t := string(w.Type)
	return t == "secret-store" || strings.HasPrefix(t, secretStorePrefix) || strings.HasPrefix(w.manifestType(), secretStorePrefix)
}

// integration converts w; account is the provider account it was listed
// under, when it came from /provider-accounts.
func (w *wireIntegration) integration(account *wireAccountRef) Integration {
	in := Integration{ID: string(w.ID), Name: string(w.Name), FQN: string(w.FQN), Category: "secret-store"}
	switch mt, t := w.manifestType(), string(w.Type); {
	case strings.HasPrefix(mt, "integration/"):
		in.Type = mt
	case strings.HasPrefix(t, "integration/"):
		in.Type = t
	}
	if in.Name == "" && w.Manifest != nil {
		in.Name = w.Manifest.str("name")
	}
	if account == nil {
		account = w.ProviderAccount
	}
	if account != nil {
		in.Provider = string(account.Provider)
		in.AccountName = string(account.Name)
		if in.Provider == "" && account.Manifest != nil {
			in.Provider = strings.TrimPrefix(account.Manifest.str("type"), "provider-account/")
		}
	}
	if in.Provider == "" {
		// integration/secret-store/<provider>/<store>
		if rest, ok := strings.CutPrefix(in.Type, secretStorePrefix); ok {
			in.Provider, _, _ = strings.Cut(rest, "/")
		}
	}
	// tenant:provider-kind:account:secret-store:name
	parts := strings.Split(in.FQN, ":")
	if in.Provider == "" && len(parts) == 5 {
		in.Provider = parts[1]
	}
	if in.AccountName == "" {
		if acc := string(w.ProviderAccountFQN); acc != "" {
			in.AccountName = lastSegment(acc)
		} else if len(parts) == 5 {
			in.AccountName = parts[2]
		}
	}
	if w.Manifest != nil {
		for _, k := range configKeys {
			if v := w.Manifest.str(k); v != "" {
				if in.Config == nil {
					in.Config = map[string]string{}
				}
				in.Config[k] = v
			}
		}
	}
	return in
}

// SecretStoreIntegrations lists the secret-store integrations a group can
// be bound to. It asks GET /provider-integrations?type=secret-store and,
// when a control plane lacks that endpoint (404 or 405), falls back to GET
// /provider-accounts, whose "type" filter the real API ignores; both are
// filtered client-side.
func (c *Client) SecretStoreIntegrations(ctx context.Context) ([]Integration, error) {
	out, err := c.providerIntegrations(ctx)
	if e, ok := errors.AsType[*Error](err); ok && (e.Status == http.StatusNotFound || e.Status == http.StatusMethodNotAllowed) {
		return c.providerAccountIntegrations(ctx)
	}
	return out, err
}

func (c *Client) providerIntegrations(ctx context.Context) ([]Integration, error) {
	const op = "list provider integrations"
	l := lister[wireIntegration, wireIntegration]{
		op:   op,
		size: MaxPageSize,
		request: func(offset, limit int) *request {
			q := url.Values{"type": {"secret-store"}, "limit": {strconv.Itoa(limit)}, "offset": {strconv.Itoa(offset)}}
			return &request{op: op, method: http.MethodGet, path: "/provider-integrations", query: q, idempotent: true}
		},
		convert: func(w *wireIntegration) wireIntegration { return *w },
		id:      func(w *wireIntegration) string { return string(w.ID) },
	}
	var out []Integration
	for w, err := range l.walk(ctx, c) {
		if err != nil {
			return nil, err
		}
		if w.isSecretStore() {
			out = append(out, w.integration(nil))
		}
	}
	return out, nil
}

func (c *Client) providerAccountIntegrations(ctx context.Context) ([]Integration, error) {
	const op = "list provider accounts"
	l := lister[wireProviderAccount, wireProviderAccount]{
		op:   op,
		size: MaxPageSize,
		request: func(offset, limit int) *request {
			q := url.Values{"limit": {strconv.Itoa(limit)}, "offset": {strconv.Itoa(offset)}}
			return &request{op: op, method: http.MethodGet, path: "/provider-accounts", query: q, idempotent: true}
		},
		convert: func(w *wireProviderAccount) wireProviderAccount { return *w },
		id:      func(w *wireProviderAccount) string { return string(w.ID) },
	}
	var out []Integration
	for acc, err := range l.walk(ctx, c) {
		if err != nil {
			return nil, err
		}
		out = append(out, acc.stores()...)
	}
	return out, nil
}

// stores returns the account's secret-store integrations.
func (acc *wireProviderAccount) stores() []Integration {
	ref := &wireAccountRef{Name: acc.Name, FQN: acc.FQN, Provider: acc.Provider, Manifest: acc.Manifest}
	var out []Integration
	for i := range acc.Integrations {
		if w := &acc.Integrations[i]; w.isSecretStore() {
			out = append(out, w.integration(ref))
		}
	}
	return out
}

// Apply sends any manifest TrueFoundry accepts to PUT /apply. It is a
// mutation and never retried. The manifest must not hold values: a
// secret.Value in it marshals as "(set)", which the server would store.
func (c *Client) Apply(ctx context.Context, manifest any, dryRun bool) (ApplyResult, error) {
	const op = "apply manifest"
	body, err := json.Marshal(struct {
		Manifest any  `json:"manifest"`
		DryRun   bool `json:"dryRun"`
	}{manifest, dryRun})
	if err != nil {
		return ApplyResult{}, fmt.Errorf("%s: encode request: %w", op, err)
	}
	var res ApplyResult
	err = c.call(ctx, &request{op: op, method: http.MethodPut, path: "/apply", body: body},
		func(r io.Reader) error {
			var w struct {
				Action           flexString      `json:"action"`
				ExistingManifest json.RawMessage `json:"existingManifest"`
			}
			if err := decodeJSON(r, &w); err != nil {
				return decodeErr(op, err)
			}
			res.Action = string(w.Action)
			if len(w.ExistingManifest) > 0 && string(w.ExistingManifest) != "null" {
				res.ExistingManifest = []byte(w.ExistingManifest)
			}
			return nil
		})
	return res, err
}
