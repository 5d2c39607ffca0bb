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
	name := g.Name
	if s.opts.OmitGroupName {
		name = ""
	}
	return groupJSON{
		ID: g.ID, Name: name, FQN: s.st.tenant + ":" + g.Name, TenantName: s.st.tenant,
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
	var current map[string]*secretRec
	if g != nil {
		current = g.byKey()
	}
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
		existing := current[key]
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
	current := g.byKey()
	for _, ch := range changes {
		kept[ch.key] = true
		sec := current[ch.key]
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

// listGroups is GET /secret-groups.
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

// createGroup is POST /secret-groups.
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
	return ok(dataEnvelope{Data: s.groupRaw(g)}) // also warms the cache for the next list
}

// getGroup is GET /secret-groups/{id}.
func (s *Server) getGroup(req *request) (response, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, err := s.group(req.path("id"))
	if err != nil {
		return response{}, err
	}
	return ok(dataEnvelope{Data: s.groupRaw(g)})
}

// group finds a group by id.
func (s *Server) group(id string) (*group, error) {
	if g := s.st.groupByID[id]; g != nil {
		return g, nil
	}
	return nil, errorf(404, "Secret group '%s' not found", clip(id))
}

// updateGroup is PUT /secret-groups/{id}: the request is the whole new
// key set.
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
	return ok(dataEnvelope{Data: s.groupRaw(g)}) // also warms the cache for the next list
}

// deleteGroup is DELETE /secret-groups/{id}; it answers {}.
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
