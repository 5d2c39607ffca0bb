package emulator

import (
	"slices"
	"strings"
)

// unavailable is the 424 of a write to a faulty integration.
func unavailable(in *integration) error {
	return errorf(424, "Secret store integration '%s' is unavailable; retry later, or delete with forceDelete=true", in.FQN)
}

// storeIntegration finds a secret-store integration by id.
func (s *Server) storeIntegration(id string) (*integration, error) {
	in, found := s.st.integrations[id]
	if !found || !in.isSecretStore() {
		return nil, errorf(422, "Integration '%s' not found or is not a secret store", clip(id))
	}
	return in, nil
}

// integrationView renders an integration. "manifest.type" is always the
// full type; "type" is the full type too unless category says otherwise:
// GET /provider-integrations documents "type" as the category
// (secret-store), while provider accounts' examples show the full type.
func (s *Server) integrationView(a *account, in *integration, category bool) integrationJSON {
	m := map[string]string{"name": in.Name, "type": in.Type}
	for k, v := range in.Config {
		m[k] = v
	}
	typ := in.Type
	if category {
		typ = integrationKind(in.Type)
	}
	return integrationJSON{ID: in.ID, Name: in.Name, FQN: in.FQN, Type: typ,
		ProviderAccountFQN: s.st.tenant + ":" + a.Provider + ":" + a.Name, Manifest: m,
		CreatedAt: stamp(a.CreatedAt), UpdatedAt: stamp(a.CreatedAt)}
}

// integrationCategories are the documented values of ?type= on
// /provider-integrations.
var integrationCategories = []string{"blob-storage", "secret-store", "docker-registry", "model", "vcs", "cluster",
	"notification-channel", "helm-repo", "jwt-auth", "mcp-server", "guardrail-config"}

// listAccounts serves /provider-accounts. Like the real endpoint it ignores
// ?type=; it honours id and fqn.
func (s *Server) listAccounts(req *request) (response, error) {
	p, err := pageOf(req.query)
	if err != nil {
		return response{}, err
	}
	id, fqn := req.query.Get("id"), req.query.Get("fqn")
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []accountJSON
	for _, a := range s.st.accounts {
		afqn := s.st.tenant + ":" + a.Provider + ":" + a.Name
		if (id != "" && id != a.ID) || (fqn != "" && fqn != afqn) {
			continue
		}
		aj := accountJSON{ID: a.ID, Name: a.Name, FQN: afqn, Provider: a.Provider, AccountID: s.st.accountID,
			Manifest:  accountManifest{Name: a.Name, Type: "provider-account/" + a.Provider, Integrations: []map[string]string{}},
			CreatedBy: "emulator-admin", CreatedAt: stamp(a.CreatedAt), UpdatedAt: stamp(a.CreatedAt),
			Integrations: []integrationJSON{}}
		for _, in := range a.Integrations {
			iv := s.integrationView(a, in, false)
			aj.Integrations = append(aj.Integrations, iv)
			aj.Manifest.Integrations = append(aj.Manifest.Integrations, iv.Manifest)
		}
		out = append(out, aj)
	}
	lo, hi := p.bounds(len(out))
	page := out[lo:hi]
	if page == nil {
		page = []accountJSON{}
	}
	return ok(listEnvelope{Data: page, Pagination: pagination{Total: len(out), Offset: p.offset, Limit: p.limit}})
}

// listIntegrations serves /provider-integrations, filtered by ?type= (one
// of the documented categories, e.g. secret-store; a full type is refused,
// so a client that sends one is caught), id and fqn. Items carry the
// category in "type" unless the emulator was started with
// FullIntegrationType.
func (s *Server) listIntegrations(req *request) (response, error) {
	p, err := pageOf(req.query)
	if err != nil {
		return response{}, err
	}
	typ, id, fqn := req.query.Get("type"), req.query.Get("id"), req.query.Get("fqn")
	if typ != "" && !slices.Contains(integrationCategories, typ) {
		return response{}, errorf(400, "type must be one of: %s", strings.Join(integrationCategories, ", "))
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []integrationJSON{}
	for _, a := range s.st.accounts {
		for _, in := range a.Integrations {
			if (typ != "" && typ != integrationKind(in.Type)) || (id != "" && id != in.ID) || (fqn != "" && fqn != in.FQN) {
				continue
			}
			out = append(out, s.integrationView(a, in, !s.opts.FullIntegrationType))
		}
	}
	lo, hi := p.bounds(len(out))
	return ok(listEnvelope{Data: out[lo:hi], Pagination: pagination{Total: len(out), Offset: p.offset, Limit: p.limit}})
}
