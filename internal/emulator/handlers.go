package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/tfy-secrets/tfy-secrets/internal/secret"
)

// groupNameRule is the emulator's own group-name rule (TrueFoundry's is
// unpublished): it keeps ':' and '/' out, which would break FQNs.
var groupNameRule = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

func checkGroupName(name string) error {
	if !groupNameRule.MatchString(name) {
		return errorf(422, "Invalid secret group name '%s': use 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit", clip(name))
	}
	return nil
}

// valuesVisible says whether c may see values in this control plane.
func (s *Server) valuesVisible(c caller) bool { return !s.opts.DisableValueView && c.canWrite() }

func subjectOf(slug string) subjectJSON {
	return subjectJSON{SubjectID: slug, SubjectType: "user", SubjectSlug: slug, SubjectDisplayName: slug}
}

// groupView renders a group; callers hold s.mu. Values are never included.
func (s *Server) groupView(g *group) groupJSON {
	in := s.st.integrations[g.IntegrationID]
	secrets := make([]secretJSON, len(g.Secrets))
	for i, sec := range g.Secrets {
		secrets[i] = s.secretView(sec, g, false, false)
	}
	collabs := g.Collaborators
	if collabs == nil {
		collabs = []collaborator{}
	}
	return groupJSON{
		ID: g.ID, Name: g.Name, FQN: s.st.tenant + ":" + g.Name, TenantName: s.st.tenant,
		IntegrationID: g.IntegrationID, AccountID: s.st.accountID,
		Manifest:          groupManifestJSON{Type: "secret-group", Name: g.Name, IntegrationFQN: in.FQN, Collaborators: collabs},
		AssociatedSecrets: secrets,
		CreatedBy:         g.CreatedBy, CreatedBySubject: subjectOf(g.CreatedBy),
		CreatedAt: stamp(g.CreatedAt), UpdatedAt: stamp(g.UpdatedAt),
	}
}

// secretView renders a secret; callers hold s.mu and decide whether the
// value may be shown.
func (s *Server) secretView(sec *secretRec, g *group, withValue, withVersions bool) secretJSON {
	fqn := s.st.tenant + ":" + g.Name + ":" + sec.Key
	v := secretJSON{
		ID: sec.ID, FQN: fqn, Name: sec.Key, SecretGroupID: g.ID, CreatedBy: sec.CreatedBy,
		CreatedAt: stamp(sec.CreatedAt), UpdatedAt: stamp(sec.UpdatedAt), ActiveDeploymentsCount: sec.ActiveDeployments,
	}
	if withValue {
		val := sec.current().Value.Reveal()
		v.Value = &val
	}
	if withVersions {
		subj := subjectOf(sec.CreatedBy)
		v.CreatedBySubject = &subj
		v.SecretVersions = s.versionViews(sec, fqn)
	}
	return v
}

// versionViews renders versions oldest first, without values. A version's
// FQN is the secret's FQN and ":<number>" (the real format is unpublished).
func (s *Server) versionViews(sec *secretRec, fqn string) []versionJSON {
	out := make([]versionJSON, len(sec.Versions))
	for i, ver := range sec.Versions {
		out[i] = versionJSON{ID: ver.ID, FQN: fqn + ":" + strconv.Itoa(ver.Number), Version: ver.Number, SecretID: sec.ID,
			CreatedAt: stamp(ver.CreatedAt), UpdatedAt: stamp(ver.CreatedAt)}
	}
	return out
}

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

// change is one validated element of a create or update.
type change struct {
	key   string
	value *secret.Value // nil: keep the current value
}

// validateSecrets checks a create or update's secrets against the store and
// the group (nil on create) and returns the changes, touching nothing.
func (s *Server) validateSecrets(in *integration, groupName string, g *group, inputs []secretInput) ([]change, error) {
	r := rulesByType[in.Type]
	now := s.now()
	seen := make(map[string]bool, len(inputs))
	out := make([]change, 0, len(inputs))
	for _, input := range inputs {
		if input.Key == nil || *input.Key == "" {
			return nil, missingFields
		}
		key := *input.Key
		if err := r.checkKey(key); err != nil {
			return nil, err
		}
		if seen[key] {
			return nil, errorf(422, "Secret key '%s' appears more than once", key)
		}
		seen[key] = true
		var existing *secretRec
		if g != nil {
			existing = g.secret(key)
		}
		if existing == nil && input.Value.v == nil {
			return nil, errorf(422, "Value is required for new secret '%s'", key)
		}
		if input.Value.v != nil {
			if err := r.checkValue(key, input.Value.v.Len()); err != nil {
				return nil, err
			}
		}
		if existing == nil && s.st.isSoftDeleted(in, groupName, key, now) {
			return nil, softDeleteConflict(in, key)
		}
		out = append(out, change{key: key, value: input.Value.v})
	}
	return out, nil
}

// applyChanges makes g's secrets exactly changes: new keys start at version
// 1, a changed value appends a version, an unchanged one does not, and keys
// left out are deleted (and soft-deleted where the store does that).
func (s *Server) applyChanges(g *group, in *integration, changes []change, by string) {
	now := s.now()
	next := make([]*secretRec, 0, len(changes))
	kept := make(map[string]bool, len(changes))
	for _, ch := range changes {
		kept[ch.key] = true
		sec := g.secret(ch.key)
		if sec == nil {
			sec = &secretRec{ID: newID(), Key: ch.key, GroupID: g.ID, CreatedBy: by, CreatedAt: now, UpdatedAt: now,
				Versions: []version{{ID: newID(), Number: 1, Value: *ch.value, CreatedAt: now}}}
			s.st.secretByID[sec.ID] = sec
		} else if ch.value != nil && !sec.current().Value.Equal(*ch.value) {
			sec.Versions = append(sec.Versions, version{ID: newID(), Number: sec.current().Number + 1, Value: *ch.value, CreatedAt: now})
			sec.UpdatedAt = now
		}
		next = append(next, sec)
	}
	for _, sec := range g.Secrets {
		if !kept[sec.Key] {
			delete(s.st.secretByID, sec.ID)
			s.st.markDeleted(in, g.Name, sec.Key, now)
		}
	}
	g.Secrets = next
	g.UpdatedAt = now
	g.touch()
}

func (s *Server) listGroups(req *request) (response, error) {
	p, err := pageOf(req.query)
	if err != nil {
		return response{}, err
	}
	fqn, search := req.query.Get("fqn"), strings.ToLower(req.query.Get("search"))
	attrs := listParams(req.query, "attributes")

	s.mu.RLock()
	candidates := s.st.groups
	if _, given := req.query["fqn"]; given {
		candidates = nil
		if tenant, name, found := strings.Cut(fqn, ":"); found && tenant == s.st.tenant {
			if g := s.st.groupByName[name]; g != nil {
				candidates = []*group{g}
			}
		}
	}
	if search != "" {
		var matched []*group
		for _, g := range candidates {
			if strings.Contains(strings.ToLower(g.Name), search) {
				matched = append(matched, g)
			}
		}
		candidates = matched
	}
	lo, hi := p.bounds(len(candidates))
	views := make([]json.RawMessage, 0, hi-lo)
	for _, g := range candidates[lo:hi] {
		views = append(views, s.groupRaw(g))
	}
	total := len(candidates)
	s.mu.RUnlock()

	pg := pagination{Total: total, Offset: p.offset, Limit: p.limit}
	if len(attrs) == 0 {
		return ok(rawList(views, pg))
	}
	return ok(listEnvelope{Data: selectAttributes(views, attrs), Pagination: pg})
}

// groupRaw is groupView rendered, from the cache when the group has not
// changed since; callers hold s.mu.
func (s *Server) groupRaw(g *group) json.RawMessage {
	if v := g.view.Load(); v != nil {
		return *v
	}
	var buf bytes.Buffer
	_ = encodeJSON(&buf, s.groupView(g)) // groupJSON holds only strings, ints, slices and structs
	raw := json.RawMessage(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	g.view.Store(&raw)
	return raw
}

// rawList assembles a list envelope from already-rendered items, skipping
// the re-validation encoding/json would do on each of them.
func rawList(items []json.RawMessage, pg pagination) rawJSON {
	n := 64
	for _, it := range items {
		n += len(it) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, `{"data":[`...)
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, it...)
	}
	b = fmt.Appendf(b, `],"pagination":{"total":%d,"offset":%d,"limit":%d}}`, pg.Total, pg.Offset, pg.Limit)
	return rawJSON(b)
}

// selectAttributes keeps only the named top-level fields of each group, and
// always id. Unknown names are ignored, as they select nothing.
func selectAttributes(views []json.RawMessage, attrs []string) []map[string]json.RawMessage {
	want := map[string]bool{"id": true}
	for _, a := range attrs {
		want[a] = true
	}
	out := make([]map[string]json.RawMessage, 0, len(views))
	for _, v := range views {
		var all map[string]json.RawMessage
		_ = json.Unmarshal(v, &all) // v is a rendered group object
		sel := make(map[string]json.RawMessage, len(want))
		for k, raw := range all {
			if want[k] {
				sel[k] = raw
			}
		}
		out = append(out, sel)
	}
	return out
}

func (s *Server) createGroup(req *request) (response, error) {
	var body createGroupBody
	if err := decodeBody(req.body, &body, false); err != nil {
		return response{}, err
	}
	if body.Name == nil || *body.Name == "" || body.IntegrationID == nil || *body.IntegrationID == "" || body.Secrets == nil {
		return response{}, missingFields
	}
	for _, in := range *body.Secrets {
		if in.Key == nil || *in.Key == "" || in.Value.v == nil {
			return response{}, missingFields
		}
	}
	if len(*body.Secrets) == 0 {
		return response{}, errorf(400, "At least one secret is required")
	}
	name := *body.Name
	if err := checkGroupName(name); err != nil {
		return response{}, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.storeIntegration(*body.IntegrationID)
	if err != nil {
		return response{}, err
	}
	if s.st.groupByName[name] != nil {
		return response{}, errorf(409, "Secret group with name '%s' already exists", name)
	}
	if in.Faulty {
		return response{}, unavailable(in)
	}
	changes, err := s.validateSecrets(in, name, nil, *body.Secrets)
	if err != nil {
		return response{}, err
	}
	now := s.now()
	g := &group{ID: newID(), Name: name, IntegrationID: in.ID, CreatedBy: req.caller.slug, CreatedAt: now, UpdatedAt: now,
		Collaborators: []collaborator{{Subject: "user:" + req.caller.slug, RoleID: "secret-group-admin"}}}
	s.applyChanges(g, in, changes, req.caller.slug)
	s.st.addGroup(g)
	if err := s.persist(); err != nil {
		return response{}, err
	}
	return ok(dataEnvelope{Data: s.groupView(g)})
}

func (s *Server) getGroup(req *request) (response, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, err := s.group(req.path("id"))
	if err != nil {
		return response{}, err
	}
	return ok(dataEnvelope{Data: s.groupRaw(g)})
}

func (s *Server) group(id string) (*group, error) {
	if g := s.st.groupByID[id]; g != nil {
		return g, nil
	}
	return nil, errorf(404, "Secret group '%s' not found", clip(id))
}

func (s *Server) updateGroup(req *request) (response, error) {
	var body updateGroupBody
	if err := decodeBody(req.body, &body, false); err != nil {
		return response{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.group(req.path("id"))
	if err != nil {
		return response{}, err
	}
	if body.Secrets == nil {
		return response{}, missingFields
	}
	if len(*body.Secrets) == 0 {
		return response{}, errorf(400, "At least one secret is required")
	}
	in := s.st.integrations[g.IntegrationID]
	if in.Faulty {
		return response{}, unavailable(in)
	}
	changes, err := s.validateSecrets(in, g.Name, g, *body.Secrets)
	if err != nil {
		return response{}, err
	}
	s.applyChanges(g, in, changes, req.caller.slug)
	if err := s.persist(); err != nil {
		return response{}, err
	}
	return ok(dataEnvelope{Data: s.groupView(g)})
}

func (s *Server) deleteGroup(req *request) (response, error) {
	force, err := boolParam(req.query, "forceDelete")
	if err != nil {
		return response{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.group(req.path("id"))
	if err != nil {
		return response{}, err
	}
	if err := s.removeGroup(g, force); err != nil {
		return response{}, err
	}
	return ok(struct{}{})
}

// removeGroup deletes g. A faulty integration refuses unless forced; a
// forced delete never reached the store, so it leaves no soft-deleted names.
func (s *Server) removeGroup(g *group, force bool) error {
	in := s.st.integrations[g.IntegrationID]
	if in.Faulty && !force {
		return unavailable(in)
	}
	if !in.Faulty {
		now := s.now()
		for _, sec := range g.Secrets {
			s.st.markDeleted(in, g.Name, sec.Key, now)
		}
	}
	s.st.removeGroup(g)
	return s.persist()
}

func (s *Server) listSecrets(req *request) (response, error) {
	var body listSecretsBody
	if err := decodeBody(req.body, &body, true); err != nil {
		return response{}, err
	}
	p, err := newPage(body.Limit, body.Offset)
	if err != nil {
		return response{}, err
	}
	withValue := body.WithValue && s.valuesVisible(req.caller)

	s.mu.RLock()
	defer s.mu.RUnlock()
	type item struct {
		sec *secretRec
		g   *group
	}
	var items []item
	switch {
	case body.SecretGroupID != nil:
		g, err := s.group(*body.SecretGroupID)
		if err != nil {
			return response{}, err
		}
		want := fqnSet(body.SecretFqns)
		for _, sec := range g.Secrets {
			if want == nil || want[s.st.tenant+":"+g.Name+":"+sec.Key] {
				items = append(items, item{sec, g})
			}
		}
	case body.SecretFqns != nil:
		seen := map[*secretRec]bool{}
		for _, f := range body.SecretFqns {
			if sec, g := s.secretByFQN(f); sec != nil && !seen[sec] {
				seen[sec] = true
				items = append(items, item{sec, g})
			}
		}
	default:
		// Walk groups to the page instead of materialising every secret:
		// the unfiltered list is what a full export pages through.
		total, skip := 0, p.offset
		for _, g := range s.st.groups {
			total += len(g.Secrets)
			if skip >= len(g.Secrets) {
				skip -= len(g.Secrets)
				continue
			}
			for _, sec := range g.Secrets[skip:] {
				if len(items) == p.limit {
					break
				}
				items = append(items, item{sec, g})
			}
			skip = 0
		}
		views := make([]secretJSON, len(items))
		for i, it := range items {
			views[i] = s.secretView(it.sec, it.g, withValue, false)
		}
		return ok(listEnvelope{Data: views, Pagination: pagination{Total: total, Offset: p.offset, Limit: p.limit}})
	}
	lo, hi := p.bounds(len(items))
	views := make([]secretJSON, 0, hi-lo)
	for _, it := range items[lo:hi] {
		views = append(views, s.secretView(it.sec, it.g, withValue, false))
	}
	return ok(listEnvelope{Data: views, Pagination: pagination{Total: len(items), Offset: p.offset, Limit: p.limit}})
}

// fqnSet is the set of the given secret FQNs, with any tfy-secret:// prefix
// removed; nil when no filter was given.
func fqnSet(fqns []string) map[string]bool {
	if fqns == nil {
		return nil
	}
	set := make(map[string]bool, len(fqns))
	for _, f := range fqns {
		set[strings.TrimPrefix(f, "tfy-secret://")] = true
	}
	return set
}

// secretByFQN resolves tenant:group:key (optionally tfy-secret://).
func (s *Server) secretByFQN(fqn string) (*secretRec, *group) {
	tenant, rest, _ := strings.Cut(strings.TrimPrefix(fqn, "tfy-secret://"), ":")
	name, key, found := strings.Cut(rest, ":")
	if !found || tenant != s.st.tenant {
		return nil, nil
	}
	g := s.st.groupByName[name]
	if g == nil {
		return nil, nil
	}
	return g.secret(key), g
}

func (s *Server) secretRecord(id string) (*secretRec, *group, error) {
	sec := s.st.secretByID[id]
	if sec == nil {
		return nil, nil, errorf(404, "Secret '%s' not found", clip(id))
	}
	return sec, s.st.groupByID[sec.GroupID], nil
}

func (s *Server) getSecret(req *request) (response, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sec, g, err := s.secretRecord(req.path("id"))
	if err != nil {
		return response{}, err
	}
	return ok(dataEnvelope{Data: s.secretView(sec, g, s.valuesVisible(req.caller), true)})
}

func (s *Server) deleteSecret(req *request) (response, error) {
	force, err := boolParam(req.query, "forceDelete")
	if err != nil {
		return response{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, g, err := s.secretRecord(req.path("id"))
	if err != nil {
		return response{}, err
	}
	if len(g.Secrets) == 1 {
		return response{}, errorf(400, "At least one secret is required")
	}
	in := s.st.integrations[g.IntegrationID]
	if in.Faulty && !force {
		return response{}, unavailable(in)
	}
	if in.Faulty {
		// Forced past a dead store: the name was never deleted there.
		delete(s.st.secretByID, sec.ID)
		g.Secrets = removeSecret(g.Secrets, sec)
		g.UpdatedAt = s.now()
		g.touch()
	} else {
		changes := make([]change, 0, len(g.Secrets)-1)
		for _, other := range g.Secrets {
			if other != sec {
				changes = append(changes, change{key: other.Key})
			}
		}
		s.applyChanges(g, in, changes, req.caller.slug)
	}
	if err := s.persist(); err != nil {
		return response{}, err
	}
	return ok(1)
}

func removeSecret(list []*secretRec, sec *secretRec) []*secretRec {
	out := make([]*secretRec, 0, len(list))
	for _, x := range list {
		if x != sec {
			out = append(out, x)
		}
	}
	return out
}

func (s *Server) listVersions(req *request) (response, error) {
	p, err := pageOf(req.query)
	if err != nil {
		return response{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	sec, g, err := s.secretRecord(req.path("id"))
	if err != nil {
		return response{}, err
	}
	all := s.versionViews(sec, s.st.tenant+":"+g.Name+":"+sec.Key)
	lo, hi := p.bounds(len(all))
	return ok(listEnvelope{Data: all[lo:hi], Pagination: pagination{Total: len(all), Offset: p.offset, Limit: p.limit}})
}

func (s *Server) integrationView(a *account, in *integration) integrationJSON {
	m := map[string]string{"name": in.Name, "type": in.Type}
	for k, v := range in.Config {
		m[k] = v
	}
	return integrationJSON{ID: in.ID, Name: in.Name, FQN: in.FQN, Type: in.Type,
		ProviderAccountFQN: s.st.tenant + ":" + a.Provider + ":" + a.Name, Manifest: m,
		CreatedAt: stamp(a.CreatedAt), UpdatedAt: stamp(a.CreatedAt)}
}

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
			iv := s.integrationView(a, in)
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

// listIntegrations serves /provider-integrations, filtered by ?type= (the
// category, e.g. secret-store, or a full type), id and fqn.
func (s *Server) listIntegrations(req *request) (response, error) {
	p, err := pageOf(req.query)
	if err != nil {
		return response{}, err
	}
	typ, id, fqn := req.query.Get("type"), req.query.Get("id"), req.query.Get("fqn")
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []integrationJSON{}
	for _, a := range s.st.accounts {
		for _, in := range a.Integrations {
			if (typ != "" && typ != integrationKind(in.Type) && typ != in.Type) ||
				(id != "" && id != in.ID) || (fqn != "" && fqn != in.FQN) {
				continue
			}
			out = append(out, s.integrationView(a, in))
		}
	}
	lo, hi := p.bounds(len(out))
	return ok(listEnvelope{Data: out[lo:hi], Pagination: pagination{Total: len(out), Offset: p.offset, Limit: p.limit}})
}

// upsertGroup is PUT /secret-groups: create or update by manifest name.
func (s *Server) upsertGroup(req *request) (response, error) {
	res, err := s.upsertManifest(req, false)
	if err != nil {
		return response{}, err
	}
	return ok(dataEnvelope{Data: res.Data})
}

// apply is PUT /apply for secret-group manifests.
func (s *Server) apply(req *request) (response, error) {
	res, err := s.upsertManifest(req, true)
	if err != nil {
		return response{}, err
	}
	return ok(res)
}

func (s *Server) upsertManifest(req *request, viaApply bool) (applyJSON, error) {
	var body manifestBody
	if err := decodeBody(req.body, &body, false); err != nil {
		return applyJSON{}, err
	}
	m := body.Manifest
	if m == nil || m.Type == "" {
		return applyJSON{}, missingFields
	}
	if m.Type != "secret-group" {
		if viaApply {
			return applyJSON{}, errorf(422, "Unsupported manifest type '%s': this emulator applies secret-group manifests only", clip(m.Type))
		}
		return applyJSON{}, errorf(422, "manifest.type must be 'secret-group'")
	}
	if m.Name == "" || m.IntegrationFQN == "" || m.Collaborators == nil {
		return applyJSON{}, missingFields
	}
	for _, c := range *m.Collaborators {
		if c.Subject == "" || c.RoleID == "" {
			return applyJSON{}, missingFields
		}
	}
	if err := checkGroupName(m.Name); err != nil {
		return applyJSON{}, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.st.intByFQN[m.IntegrationFQN]
	if in == nil || !in.isSecretStore() {
		return applyJSON{}, errorf(422, "Integration '%s' not found or is not a secret store", clip(m.IntegrationFQN))
	}
	now := s.now()
	g := s.st.groupByName[m.Name]
	res := applyJSON{Action: "CREATE"}
	if g != nil {
		if g.IntegrationID != in.ID {
			return applyJSON{}, errorf(409, "Secret group '%s' already exists with integration '%s'; a group's integration cannot be changed", m.Name, s.st.integrations[g.IntegrationID].FQN)
		}
		prev := s.groupView(g).Manifest
		res.Action, res.ExistingManifest = "UPDATE", &prev
	}
	if in.Faulty {
		return applyJSON{}, unavailable(in)
	}
	if body.DryRun {
		preview := &group{Name: m.Name, IntegrationID: in.ID, Collaborators: *m.Collaborators, CreatedBy: req.caller.slug, CreatedAt: now, UpdatedAt: now}
		if g != nil {
			preview = &group{ID: g.ID, Name: g.Name, IntegrationID: g.IntegrationID, Collaborators: *m.Collaborators,
				CreatedBy: g.CreatedBy, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt, Secrets: g.Secrets}
		}
		res.Data = s.groupView(preview)
		return res, nil
	}
	if g == nil {
		g = &group{ID: newID(), Name: m.Name, IntegrationID: in.ID, CreatedBy: req.caller.slug, CreatedAt: now}
		s.st.addGroup(g)
	}
	g.Collaborators = *m.Collaborators
	g.UpdatedAt = now
	g.touch()
	if err := s.persist(); err != nil {
		return applyJSON{}, err
	}
	res.Data = s.groupView(g)
	return res, nil
}

// deleteByManifest is POST /delete for a secret-group manifest.
func (s *Server) deleteByManifest(req *request) (response, error) {
	var body manifestBody
	if err := decodeBody(req.body, &body, false); err != nil {
		return response{}, err
	}
	m := body.Manifest
	if m == nil || m.Type == "" || m.Name == "" {
		return response{}, missingFields
	}
	if m.Type != "secret-group" {
		return response{}, errorf(422, "Unsupported manifest type '%s': this emulator deletes secret-group manifests only", clip(m.Type))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.st.groupByName[m.Name]
	if g == nil {
		return response{}, errorf(404, "Secret group '%s' not found", clip(m.Name))
	}
	if err := s.removeGroup(g, false); err != nil {
		return response{}, err
	}
	return ok(struct{}{})
}

func (s *Server) minCLIVersion(*request) (response, error) {
	return ok(map[string]string{"minVersion": "0.0.0", "truefoundryCliMinVersion": "0.0.0"})
}

func (s *Server) tenantID(*request) (response, error) {
	return ok(map[string]string{"tenantName": s.opts.Tenant, "auth_server_url": s.url})
}

// concurrentWrite applies an armed concurrent writer: another client
// changing the group's key set.
func (s *Server) concurrentWrite(cw *ConcurrentWrite) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.st.groupByID[cw.Group]
	if g == nil {
		g = s.st.groupByName[cw.Group]
	}
	if g == nil {
		return
	}
	in := s.st.integrations[g.IntegrationID]
	var changes []change
	for _, sec := range g.Secrets {
		if sec.Key != cw.RemoveKey {
			changes = append(changes, change{key: sec.Key})
		}
	}
	if cw.AddKey != "" && g.secret(cw.AddKey) == nil {
		v := secret.FromString("concurrent-" + newID())
		changes = append(changes, change{key: cw.AddKey, value: &v})
	}
	if len(changes) == 0 {
		return
	}
	s.applyChanges(g, in, changes, "emulator-concurrent-writer")
	_ = s.persist() // a failed save leaves memory ahead of disk; the next write retries
}
