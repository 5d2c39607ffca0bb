package emulator

import (
	"net/http"
	"sort"
	"strings"
	"time"
)

// controlPrefix is where the test-only control endpoints live. They need no
// key: the emulator listens on loopback only and they exist to steer tests.
const controlPrefix = "/_emulator/"

func (s *Server) controlRoutes(mux *http.ServeMux) {
	routes := []struct {
		pattern string
		h       handlerFunc
	}{
		{"POST /_emulator/reset", s.ctlReset},
		{"GET /_emulator/faults", s.ctlListFaults},
		{"POST /_emulator/faults", s.ctlAddFault},
		{"DELETE /_emulator/faults", s.ctlClearFaults},
		{"POST /_emulator/concurrent-writer", s.ctlConcurrentWriter},
		{"PUT /_emulator/integrations/{id}/faulty", s.ctlFaulty},
		{"PUT /_emulator/integrations/{id}/soft-delete", s.ctlSoftDelete},
		{"PUT /_emulator/secrets/{id}/active-deployments", s.ctlActiveDeployments},
		{"GET /_emulator/soft-deleted", s.ctlListSoftDeleted},
		{"GET /_emulator/applied", s.ctlListApplied},
		{"POST /_emulator/purge", s.ctlPurge},
	}
	for _, rt := range routes {
		mux.Handle(rt.pattern, s.open(rt.h))
	}
	mux.Handle(controlPrefix, s.open(notFound))
}

// ctlReset restores the start-up state: the same integrations (same ids),
// no groups, no soft-deleted names, no armed faults.
func (s *Server) ctlReset(*request) (response, error) {
	s.faults.clear()
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := restore(s.seed)
	if err != nil {
		return response{}, err
	}
	s.st = st
	if err := s.persist(); err != nil {
		return response{}, err
	}
	return ok(struct{}{})
}

type faultsJSON struct {
	Faults            []FaultRule       `json:"faults"`
	ConcurrentWriters []ConcurrentWrite `json:"concurrentWriters"`
}

func (s *Server) ctlListFaults(*request) (response, error) {
	rules, writers := s.faults.list()
	return ok(faultsJSON{Faults: rules, ConcurrentWriters: writers})
}

func (s *Server) ctlAddFault(req *request) (response, error) {
	var f FaultRule
	if err := decodeBody(req.body, &f, false); err != nil {
		return response{}, err
	}
	if err := f.validate(); err != nil {
		return response{}, err
	}
	s.faults.add(&f)
	return s.ctlListFaults(req)
}

func (s *Server) ctlClearFaults(req *request) (response, error) {
	s.faults.clear()
	return s.ctlListFaults(req)
}

func (s *Server) ctlConcurrentWriter(req *request) (response, error) {
	var cw ConcurrentWrite
	if err := decodeBody(req.body, &cw, false); err != nil {
		return response{}, err
	}
	if cw.Group == "" || (cw.AddKey == "" && cw.RemoveKey == "" && cw.RotateKey == "") {
		return response{}, errorf(400, "group and at least one of addKey, removeKey or rotateKey are required")
	}
	if cw.Skip < 0 {
		return response{}, errorf(400, "skip must be 0 or more")
	}
	switch cw.When {
	case "":
		cw.When = writeAfter
	case writeAfter, writeBefore:
	default:
		return response{}, errorf(400, "when must be \"before\" or \"after\"")
	}
	if cw.Method == "" {
		cw.Method = http.MethodGet
	}
	cw.Method = strings.ToUpper(cw.Method)
	if cw.PathPrefix == "" {
		cw.PathPrefix = apiPrefix + "secret-groups"
	}
	s.mu.RLock()
	g := s.st.groupByID[cw.Group]
	if g == nil {
		g = s.st.groupByName[cw.Group]
	}
	var err error
	if g == nil {
		err = errorf(404, "Secret group '%s' not found", clip(cw.Group))
	} else if cw.AddKey != "" {
		err = rulesByType[s.st.integrations[g.IntegrationID].Type].checkKey(cw.AddKey)
	}
	s.mu.RUnlock()
	if err != nil {
		return response{}, err
	}
	s.faults.addWriter(&cw)
	return s.ctlListFaults(req)
}

func (s *Server) integrationForControl(id string) (*integration, error) {
	in := s.st.integrations[id]
	if in == nil {
		return nil, errorf(404, "Integration '%s' not found", clip(id))
	}
	return in, nil
}

type integrationStateJSON struct {
	ID              string `json:"id"`
	FQN             string `json:"fqn"`
	Faulty          bool   `json:"faulty"`
	Retention       string `json:"retention"`
	PurgeProtection bool   `json:"purgeProtection"`
}

func integrationState(in *integration) integrationStateJSON {
	return integrationStateJSON{ID: in.ID, FQN: in.FQN, Faulty: in.Faulty, Retention: in.Retention.String(), PurgeProtection: in.PurgeProtection}
}

func (s *Server) ctlFaulty(req *request) (response, error) {
	var body struct {
		Faulty *bool `json:"faulty"`
	}
	if err := decodeBody(req.body, &body, false); err != nil {
		return response{}, err
	}
	if body.Faulty == nil {
		return response{}, errorf(400, "faulty (true or false) is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.integrationForControl(req.path("id"))
	if err != nil {
		return response{}, err
	}
	in.Faulty = *body.Faulty
	if err := s.persist(); err != nil {
		return response{}, err
	}
	return ok(integrationState(in))
}

func (s *Server) ctlSoftDelete(req *request) (response, error) {
	var body struct {
		Retention       *string `json:"retention"`
		PurgeProtection *bool   `json:"purgeProtection"`
	}
	if err := decodeBody(req.body, &body, false); err != nil {
		return response{}, err
	}
	var retention time.Duration
	if body.Retention != nil {
		d, err := time.ParseDuration(*body.Retention)
		if err != nil || d < 0 {
			return response{}, errorf(400, "retention must be a Go duration of 0 or more, e.g. \"2160h\"; 0 turns soft delete off")
		}
		retention = d
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.integrationForControl(req.path("id"))
	if err != nil {
		return response{}, err
	}
	if r := rulesByType[in.Type]; r == nil || r.softDelete == noSoftDelete {
		return response{}, errorf(400, "Integration '%s' (%s) has no soft delete", in.FQN, in.Type)
	}
	if body.Retention != nil {
		in.Retention = retention
	}
	if body.PurgeProtection != nil {
		in.PurgeProtection = *body.PurgeProtection
	}
	if err := s.persist(); err != nil {
		return response{}, err
	}
	return ok(integrationState(in))
}

func (s *Server) ctlActiveDeployments(req *request) (response, error) {
	var body struct {
		Count *int `json:"count"`
	}
	if err := decodeBody(req.body, &body, false); err != nil {
		return response{}, err
	}
	if body.Count == nil || *body.Count < 0 {
		return response{}, errorf(400, "count (0 or more) is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, g, err := s.secretRecord(req.path("id"))
	if err != nil {
		return response{}, err
	}
	n := *body.Count
	sec.ActiveDeployments = &n
	g.touch()
	if err := s.persist(); err != nil {
		return response{}, err
	}
	return ok(dataEnvelope{Data: s.secretView(sec, g, false, false)})
}

type softDeletedJSON struct {
	IntegrationID string `json:"integrationId"`
	Group         string `json:"group"`
	Key           string `json:"key"`
	DeletedAt     string `json:"deletedAt"`
	ExpiresAt     string `json:"expiresAt"`
}

func (s *Server) ctlListSoftDeleted(*request) (response, error) {
	s.mu.Lock() // expired names are forgotten while listing
	defer s.mu.Unlock()
	now := s.now()
	out := []softDeletedJSON{}
	for k, at := range s.st.soft {
		in := s.st.integrations[k.integration]
		if in == nil || !s.st.isSoftDeleted(in, k.group, k.key, now) {
			continue
		}
		out = append(out, softDeletedJSON{IntegrationID: k.integration, Group: k.group, Key: k.key,
			DeletedAt: stamp(at), ExpiresAt: stamp(at.Add(in.Retention))})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		return a.Key < b.Key
	})
	return ok(dataEnvelope{Data: out})
}

// ctlListApplied shows the deployment manifests applied so far, masked as
// they are kept.
func (s *Server) ctlListApplied(*request) (response, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return ok(dataEnvelope{Data: s.appliedViews()})
}

// ctlPurge removes a soft-deleted name, as `az keyvault secret purge` or a
// forced AWS delete would. Purge protection forbids it, as in Azure.
func (s *Server) ctlPurge(req *request) (response, error) {
	var body struct {
		IntegrationID string `json:"integrationId"`
		Group         string `json:"group"`
		Key           string `json:"key"`
	}
	if err := decodeBody(req.body, &body, false); err != nil {
		return response{}, err
	}
	if body.IntegrationID == "" || body.Group == "" || body.Key == "" {
		return response{}, errorf(400, "integrationId, group and key are required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.integrationForControl(body.IntegrationID)
	if err != nil {
		return response{}, err
	}
	if !s.st.isSoftDeleted(in, body.Group, body.Key, s.now()) {
		return response{}, errorf(404, "Secret %s of group %s is not in a deleted state", clip(body.Key), clip(body.Group))
	}
	if in.PurgeProtection {
		return response{}, errorf(409, "Purge protection is enabled on %s: secret %s cannot be purged until its retention period ends", in.FQN, body.Key)
	}
	delete(s.st.soft, softKey{in.ID, body.Group, body.Key})
	if err := s.persist(); err != nil {
		return response{}, err
	}
	return ok(struct{}{})
}
