package emulator

import (
	"strings"
)

// listSecrets is POST /secrets: every secret, or those of one group or
// of the listed FQNs; values only when asked for and the caller may see them.
// Each item carries its secretVersions (never their values), as the API's
// own example of this response does.
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
			views[i] = s.secretView(it.sec, it.g, withValue, true)
		}
		return ok(listEnvelope{Data: views, Pagination: pagination{Total: total, Offset: p.offset, Limit: p.limit}})
	}
	lo, hi := p.bounds(len(items))
	views := make([]secretJSON, 0, hi-lo)
	for _, it := range items[lo:hi] {
		views = append(views, s.secretView(it.sec, it.g, withValue, true))
	}
	return ok(listEnvelope{Data: views, Pagination: pagination{Total: len(items), Offset: p.offset, Limit: p.limit}})
}

// fqnSet is the set of the given secret FQNs; nil when no filter was
// given. Like a secret's "fqn", they are bare: a tfy-secret:// reference
// matches nothing, so a client that forgets to strip the scheme is caught.
func fqnSet(fqns []string) map[string]bool {
	if fqns == nil {
		return nil
	}
	set := make(map[string]bool, len(fqns))
	for _, f := range fqns {
		set[f] = true
	}
	return set
}

// secretByFQN resolves a bare tenant:group:key.
func (s *Server) secretByFQN(fqn string) (*secretRec, *group) {
	tenant, rest, _ := strings.Cut(fqn, ":")
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

// secretRecord finds a secret and its group by secret id.
func (s *Server) secretRecord(id string) (*secretRec, *group, error) {
	sec := s.st.secretByID[id]
	if sec == nil {
		return nil, nil, errorf(404, "Secret '%s' not found", clip(id))
	}
	return sec, s.st.groupByID[sec.GroupID], nil
}

// getSecret is GET /secrets/{id}: the one read that carries a value,
// with the version history (never values).
func (s *Server) getSecret(req *request) (response, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sec, g, err := s.secretRecord(req.path("id"))
	if err != nil {
		return response{}, err
	}
	return ok(dataEnvelope{Data: s.secretView(sec, g, s.valuesVisible(req.caller), true)})
}

// deleteSecret is DELETE /secrets/{id}; it answers the count 1, as the
// real API does.
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

// listVersions is GET /secrets/{id}/versions, which the SDKs lack but
// skills mention; versions never carry values.
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
