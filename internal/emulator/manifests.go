package emulator

// upsertGroup is PUT /secret-groups: create or update by manifest name.
func (s *Server) upsertGroup(req *request) (response, error) {
	res, err := s.upsertManifest(req)
	if err != nil {
		return response{}, err
	}
	return ok(dataEnvelope{Data: res.Data})
}

// manifestHead is what PUT /apply and POST /delete read first, to route a
// manifest by its type.
type manifestHead struct {
	Manifest *struct {
		Type string `json:"type"`
		Name string `json:"name"`
	} `json:"manifest"`
}

func readHead(body []byte) (string, string, error) {
	var h manifestHead
	if err := decodeBody(body, &h, false); err != nil {
		return "", "", err
	}
	if h.Manifest == nil || h.Manifest.Type == "" {
		return "", "", missingFields
	}
	return h.Manifest.Type, h.Manifest.Name, nil
}

// apply is PUT /apply: secret-group manifests and the deployment kinds.
func (s *Server) apply(req *request) (response, error) {
	typ, name, err := readHead(req.body)
	if err != nil {
		return response{}, err
	}
	switch {
	case typ == "secret-group":
		res, err := s.upsertManifest(req)
		if err != nil {
			return response{}, err
		}
		return ok(res)
	case deploymentKinds[typ]:
		return s.applyDeployment(req, typ, name)
	}
	return response{}, errorf(422, "Unsupported manifest type '%s': this emulator applies secret-group manifests and the deployment kinds %s", clip(typ), deploymentKindList)
}

// upsertManifest creates or updates a group from a secret-group manifest
// (no values: a new group starts empty) and reports what it did.
func (s *Server) upsertManifest(req *request) (applyJSON, error) {
	var body manifestBody
	if err := decodeBody(req.body, &body, false); err != nil {
		return applyJSON{}, err
	}
	m := body.Manifest
	if m == nil || m.Type == "" {
		return applyJSON{}, missingFields
	}
	if m.Type != "secret-group" {
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

// deleteByManifest is POST /delete for a secret-group or deployment
// manifest.
func (s *Server) deleteByManifest(req *request) (response, error) {
	typ, name, err := readHead(req.body)
	if err != nil {
		return response{}, err
	}
	if name == "" {
		return response{}, missingFields
	}
	if deploymentKinds[typ] {
		return s.deleteDeployment(typ, name)
	}
	if typ != "secret-group" {
		return response{}, errorf(422, "Unsupported manifest type '%s': this emulator deletes secret-group manifests and the deployment kinds %s", clip(typ), deploymentKindList)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.st.groupByName[name]
	if g == nil {
		return response{}, errorf(404, "Secret group '%s' not found", clip(name))
	}
	if err := s.removeGroup(g, false); err != nil {
		return response{}, err
	}
	return ok(struct{}{})
}

// minCLIVersion lets the real tfy CLI pass its version check.
func (s *Server) minCLIVersion(*request) (response, error) {
	return ok(map[string]string{"minVersion": "0.0.0", "truefoundryCliMinVersion": "0.0.0"})
}

// tenantID answers the tenant lookup of the tfy CLI and tfy-secrets, which
// name the host they asked (hostName); every host name is this tenant's.
func (s *Server) tenantID(req *request) (response, error) {
	if req.query.Get("hostName") == "" {
		return response{}, errorf(400, "hostName is required")
	}
	return ok(map[string]string{"tenantName": s.opts.Tenant, "auth_server_url": s.url})
}
