package service

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/internal/secret"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// ListIntegrations lists the secret-store integrations, optionally those of
// one provider. It reads no group and no value, so it is not policy-checked:
// the policy input has no operation for it.
func (s *Service) ListIntegrations(ctx context.Context, req plugin.IntegrationsRequest) ([]plugin.Integration, error) {
	ctx, cancel, log := s.begin(ctx, req.Call)
	defer cancel()
	sess, err := s.open(ctx, req.Call, log)
	if err != nil {
		return nil, err
	}
	ins, err := sess.integrations(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]plugin.Integration, 0, len(ins))
	for _, in := range ins {
		if req.Provider == "" || strings.EqualFold(in.Provider, req.Provider) {
			out = append(out, in.wire())
		}
	}
	return out, nil
}

func (sess *session) integrations(ctx context.Context) ([]Integration, error) {
	ins, err := sess.api.Integrations(ctx)
	if err != nil {
		return nil, sess.svc.mapError("list integrations", err, subject{what: "secret-store integrations"})
	}
	return ins, nil
}

// ListGroups streams the groups the key can see.
func (s *Service) ListGroups(ctx context.Context, req plugin.ListGroupsRequest, yield func(plugin.Group) error) error {
	ctx, cancel, log := s.begin(ctx, req.Call)
	defer cancel()
	sess, err := s.open(ctx, req.Call, log)
	if err != nil {
		return err
	}
	// The list's policy input does not depend on the response, so the
	// decision (in a fresh plugin: the policy engine's start, most of its
	// cost) runs while the first page is fetched. Nothing is yielded, and no
	// API error is reported, before the decision allows; a denied list's
	// response is discarded. Every path receives from decided, so the
	// goroutine never outlives the call.
	decided := make(chan error, 1)
	go func() {
		// The tenant may cost a request too; it runs beside the page.
		_, err := s.decide(ctx, req.Call, log, policydoc.Input{Operation: plugin.OpGroupList, Tenant: sess.fallbackTenant()})
		decided <- err
	}()
	allowed := false
	for g, err := range sess.api.ListGroups(ctx, req.Search) {
		if !allowed {
			if derr := <-decided; derr != nil {
				return derr
			}
			allowed = true
		}
		if err != nil {
			return s.mapError("list secret groups", err, subject{what: "secret groups"})
		}
		if err := yield(sess.pluginGroup(g)); err != nil {
			return err
		}
	}
	if !allowed {
		return <-decided
	}
	return nil
}

func (sess *session) pluginGroup(g Group) plugin.Group {
	return plugin.Group{
		Name: g.Name, ID: g.ID, FQN: g.FQN, Tenant: sess.tenant(g), IntegrationID: g.IntegrationID,
		SecretCount: len(g.Secrets), CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt,
	}
}

// resolveGroup finds a group named by ref: an FQN (tenant:name) is looked up
// as such; a bare word is tried as a name in the caller's tenant first,
// because names are what people type and that lookup is one request, then as
// an id.
func (sess *session) resolveGroup(ctx context.Context, ref string) (Group, error) {
	about := groupSubject(ref)
	if ref == "" {
		return Group{}, failure.New(failure.Usage, "a secret group name, FQN or id is required")
	}
	if strings.Contains(ref, ":") {
		g, found, err := sess.api.GroupByFQN(ctx, ref)
		if err != nil {
			return Group{}, sess.svc.mapError("find secret group", err, about)
		}
		if !found {
			return Group{}, notFound(about)
		}
		return g, nil
	}
	if t := sess.fallbackTenant(); t != "" {
		g, found, err := sess.api.GroupByFQN(ctx, t+":"+ref)
		if err != nil {
			return Group{}, sess.svc.mapError("find secret group", err, about)
		}
		if found {
			return g, nil
		}
	}
	g, err := sess.api.GroupByID(ctx, ref)
	if err == nil {
		return g, nil
	}
	if !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrNotAnID) {
		return Group{}, sess.svc.mapError("get secret group", err, about)
	}
	// The tenant guess from the host can be wrong (custom domains); an exact
	// name match among the search results settles it.
	for cand, err := range sess.api.ListGroups(ctx, ref) {
		if err != nil {
			return Group{}, sess.svc.mapError("find secret group", err, about)
		}
		if cand.Name == ref {
			return cand, nil
		}
	}
	return Group{}, notFound(about)
}

func notFound(about subject) error {
	return failure.New(failure.NotFound, "%s not found", about.what).WithHint(hintListFirst)
}

// groupInput is the policy view of a group.
func groupInput(g Group) policydoc.Group {
	return policydoc.Group{Name: g.Name, ID: g.ID, FQN: g.FQN}
}

// GetGroup returns a group and its secrets, masked. Values are read only when
// --show-prefix asks for them, because policy needs their lengths to decide
// whether a prefix may be shown.
func (s *Service) GetGroup(ctx context.Context, req plugin.GetGroupRequest) (plugin.GroupDetail, error) {
	ctx, cancel, log := s.begin(ctx, req.Call)
	defer cancel()
	sess, err := s.open(ctx, req.Call, log)
	if err != nil {
		return plugin.GroupDetail{}, err
	}
	g, err := sess.resolveGroup(ctx, req.Group)
	if err != nil {
		return plugin.GroupDetail{}, err
	}
	if req.ShowPrefix {
		// Reading values is acting: policy gets to refuse the read before
		// any value is fetched, then decides masks once lengths are known.
		pre := policydoc.Input{Operation: plugin.OpGroupGet, Tenant: sess.tenant(g), Group: groupInput(g)}
		for _, sec := range g.Secrets {
			pre.Secrets = append(pre.Secrets, policydoc.Secret{Key: sec.Key, ID: sec.ID})
		}
		if _, err := s.decide(ctx, req.Call, log, pre); err != nil {
			return plugin.GroupDetail{}, err
		}
	}
	secrets, warnings, err := sess.groupSecrets(ctx, g, req.ShowPrefix)
	if err != nil {
		return plugin.GroupDetail{}, err
	}
	in := policydoc.Input{Operation: plugin.OpGroupGet, Tenant: sess.tenant(g), Group: groupInput(g)}
	for _, sec := range secrets {
		in.Secrets = append(in.Secrets, policydoc.Secret{Key: sec.Key, ID: sec.ID, Length: sec.Value.Len()})
	}
	dec, err := s.decide(ctx, req.Call, log, in)
	if err != nil {
		return plugin.GroupDetail{}, err
	}
	out := plugin.GroupDetail{Group: sess.pluginGroup(g), Warnings: append(warnings, dec.Warn...)}
	out.Group.SecretCount = len(secrets)
	for _, sec := range secrets {
		out.Secrets = append(out.Secrets, sess.secretInfo(g, sec, dec.Mask[sec.Key]))
	}
	if ins, err := sess.integrations(ctx); err == nil {
		for _, in := range ins {
			if in.ID == g.IntegrationID {
				out.Integration = in.wire()
			}
		}
	} else {
		// The group is readable even when integrations are not (a narrow
		// key); the detail is complete without them.
		log.Debug("integrations unavailable", "error", err)
	}
	return out, nil
}

const warnValuesHidden = "value viewing is disabled on this control plane; showing (set)"

// groupSecrets lists a group's secrets, with values only when withValue. When
// the control plane refuses to show values it falls back to a listing
// without them and says so.
func (sess *session) groupSecrets(ctx context.Context, g Group, withValue bool) ([]Secret, []string, error) {
	var warnings []string
	list := func(wv bool) ([]Secret, error) {
		var out []Secret
		for sec, err := range sess.api.Secrets(ctx, g.ID, wv) {
			if err != nil {
				return nil, err
			}
			out = append(out, sec)
		}
		return out, nil
	}
	secrets, err := list(withValue)
	if withValue && valueViewDisabled(err) {
		warnings = append(warnings, warnValuesHidden)
		secrets, err = list(false)
	}
	if err != nil {
		return nil, nil, sess.svc.mapError("list secrets", err, groupSubject(g.Name))
	}
	if withValue && len(warnings) == 0 {
		for _, sec := range secrets {
			if !sec.Value.IsSet() {
				warnings = append(warnings, warnValuesHidden)
				break
			}
		}
	}
	return secrets, warnings, nil
}

func (sess *session) secretInfo(g Group, sec Secret, maskLevel string) plugin.SecretInfo {
	fqn := sec.FQN
	if fqn == "" {
		fqn = sess.tenant(g) + ":" + g.Name + ":" + sec.Key
	}
	return plugin.SecretInfo{
		Key: sec.Key, ID: sec.ID, FQN: fqn, Group: g.Name, Masked: mask(sec.Value, maskLevel),
		Version: sec.Version, UpdatedAt: sec.UpdatedAt, ActiveDeployments: sec.ActiveDeployments,
	}
}

// resolveSecret finds the group and the secret a SECRET argument names. The
// returned secret carries no value; detailed says whether it came from the
// secret read (versions and times included) rather than the group's key list.
func (sess *session) resolveSecret(ctx context.Context, arg string) (g Group, sec Secret, detailed bool, err error) {
	ref, err := ParseSecretRef(arg)
	if err != nil {
		return Group{}, Secret{}, false, err
	}
	about := subject{what: "secret " + quoteShort(arg)}
	if ref.ID != "" {
		sec, err = sess.api.SecretByID(ctx, ref.ID)
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrNotAnID) {
			return Group{}, Secret{}, false, sess.unknownSecretID(ctx, ref.ID, err)
		}
		if err != nil {
			return Group{}, Secret{}, false, sess.svc.mapError("get secret", err, about)
		}
		g, err = sess.api.GroupByID(ctx, sec.GroupID)
		if err != nil {
			return Group{}, Secret{}, false, sess.svc.mapError("get secret group", err, groupSubject(sec.GroupID))
		}
		return g, withoutValue(sec), true, nil
	}
	groupRef := ref.Group
	if ref.Tenant != "" {
		groupRef = ref.Tenant + ":" + ref.Group
	}
	g, err = sess.resolveGroup(ctx, groupRef)
	if err != nil {
		return Group{}, Secret{}, false, err
	}
	for _, s := range g.Secrets {
		if s.Key == ref.Key {
			return g, s, false, nil
		}
	}
	return Group{}, Secret{}, false, failure.New(failure.NotFound, "secret group %s has no key %s", quoteShort(g.Name), quoteShort(ref.Key)).
		WithHint("see the keys with: tfy-secrets group get %s", g.Name)
}

// unknownSecretID explains a SECRET without ':' that is no secret's id.
// People type a group name there more often than a mistyped id, so the
// message says what SECRET is, and when the word is a group's name, how to
// name one of its keys. The group is only looked up, never read further:
// its keys are for group get, which policy decides.
func (sess *session) unknownSecretID(ctx context.Context, id string, err error) error {
	f := failure.Wrap(failure.NotFound, err, fmt.Sprintf("no secret has the id %s; SECRET is GROUP:KEY, TENANT:GROUP:KEY, tfy-secret://TENANT:GROUP:KEY or a secret id", quoteShort(id)))
	if g, gerr := sess.resolveGroup(ctx, id); gerr == nil {
		return f.WithHint("%s is a secret group; name one of its keys: tfy-secrets secret get %s:KEY (its keys: tfy-secrets group get %s)", quoteShort(g.Name), g.Name, g.Name)
	}
	return f.WithHint("for a key of a group: tfy-secrets secret get GROUP:KEY; list groups with: tfy-secrets group list")
}

// withoutValue drops a value read only because the API sends it with the
// metadata, so it cannot travel further by accident.
func withoutValue(sec Secret) Secret {
	sec.Value = secret.Value{}
	return sec
}

// GetSecret describes one secret, masked.
func (s *Service) GetSecret(ctx context.Context, req plugin.SecretRequest) (plugin.SecretInfo, error) {
	ctx, cancel, log := s.begin(ctx, req.Call)
	defer cancel()
	sess, err := s.open(ctx, req.Call, log)
	if err != nil {
		return plugin.SecretInfo{}, err
	}
	g, sec, detailed, err := sess.resolveSecret(ctx, req.Secret)
	if err != nil {
		return plugin.SecretInfo{}, err
	}
	var warnings []string
	switch {
	case req.ShowPrefix:
		// Policy needs the length to decide whether a prefix may be shown,
		// so only here is the value read, and only once policy has had the
		// chance to refuse the read.
		pre := policydoc.Input{Operation: plugin.OpSecretGet, Tenant: sess.tenant(g), Group: groupInput(g),
			Secrets: []policydoc.Secret{{Key: sec.Key, ID: sec.ID}}}
		if _, err := s.decide(ctx, req.Call, log, pre); err != nil {
			return plugin.SecretInfo{}, err
		}
		full, err := sess.api.SecretByID(ctx, sec.ID)
		switch {
		case err == nil:
			if !full.Value.IsSet() {
				warnings = append(warnings, warnValuesHidden)
			}
			sec = full
		case valueViewDisabled(err):
			warnings = append(warnings, warnValuesHidden)
		default:
			return plugin.SecretInfo{}, s.mapError("get secret", err, subject{what: "secret " + quoteShort(req.Secret)})
		}
	case !detailed:
		// The group's own listing of keys has no times or versions; the
		// secrets listing has them without reading any value.
		for meta, err := range sess.api.Secrets(ctx, g.ID, false) {
			if err != nil {
				return plugin.SecretInfo{}, s.mapError("list secrets", err, groupSubject(g.Name))
			}
			if meta.Key == sec.Key {
				sec = meta
				break
			}
		}
	}
	in := policydoc.Input{Operation: plugin.OpSecretGet, Tenant: sess.tenant(g), Group: groupInput(g),
		Secrets: []policydoc.Secret{{Key: sec.Key, ID: sec.ID, Length: sec.Value.Len()}}}
	dec, err := s.decide(ctx, req.Call, log, in)
	if err != nil {
		return plugin.SecretInfo{}, err
	}
	for _, w := range append(warnings, dec.Warn...) {
		log.Debug("warning", "text", w)
	}
	return sess.secretInfo(g, sec, dec.Mask[sec.Key]), nil
}

// ListSecretVersions lists a secret's version numbers and times, never values.
func (s *Service) ListSecretVersions(ctx context.Context, req plugin.SecretRequest) ([]plugin.Version, error) {
	ctx, cancel, log := s.begin(ctx, req.Call)
	defer cancel()
	sess, err := s.open(ctx, req.Call, log)
	if err != nil {
		return nil, err
	}
	g, sec, _, err := sess.resolveSecret(ctx, req.Secret)
	if err != nil {
		return nil, err
	}
	in := policydoc.Input{Operation: plugin.OpSecretVersions, Tenant: sess.tenant(g), Group: groupInput(g),
		Secrets: []policydoc.Secret{{Key: sec.Key, ID: sec.ID}}}
	if _, err := s.decide(ctx, req.Call, log, in); err != nil {
		return nil, err
	}
	full, err := sess.api.SecretByID(ctx, sec.ID)
	if err != nil && !valueViewDisabled(err) {
		return nil, s.mapError("get secret versions", err, subject{what: "secret " + quoteShort(req.Secret)})
	}
	return withoutValue(full).Versions, nil
}

// MakeRef prints the deployment reference of a key, after checking the key
// exists: a reference to a missing key would only fail later, at deploy
// time, far from the typo.
func (s *Service) MakeRef(ctx context.Context, req plugin.RefRequest) (string, error) {
	ctx, cancel, log := s.begin(ctx, req.Call)
	defer cancel()
	if req.Key == "" {
		return "", failure.New(failure.Usage, "a key is required").WithHint("usage: tfy-secrets ref GROUP KEY")
	}
	sess, err := s.open(ctx, req.Call, log)
	if err != nil {
		return "", err
	}
	g, err := sess.resolveGroup(ctx, req.Group)
	if err != nil {
		return "", err
	}
	in := policydoc.Input{Operation: plugin.OpGroupGet, Tenant: sess.tenant(g), Group: groupInput(g)}
	found := false
	for _, sec := range g.Secrets {
		in.Secrets = append(in.Secrets, policydoc.Secret{Key: sec.Key, ID: sec.ID})
		found = found || sec.Key == req.Key
	}
	if _, err := s.decide(ctx, req.Call, log, in); err != nil {
		return "", err
	}
	if !found {
		return "", failure.New(failure.NotFound, "secret group %s has no key %s", quoteShort(g.Name), quoteShort(req.Key)).
			WithHint("see the keys with: tfy-secrets group get %s", g.Name)
	}
	// A reference goes into manifests, far from here: a tenant that is
	// only guessed is not printed as if it were known.
	switch t, source := sess.tenantOf(g); {
	case t == "":
		return "", failure.New(failure.Config, "cannot tell the tenant of %s: neither the API nor the API key names it", sess.baseURL).
			WithHint("log in with a TrueFoundry API key (its tenantName claim names the tenant)")
	case source == plugin.TenantFromHost:
		return "", failure.New(failure.Config, "cannot tell the tenant of %s for sure: neither the API nor the API key names it, and the host name only suggests %s", sess.baseURL, quoteShort(t)).
			WithHint("if %s is your tenant, the reference is %s", t, formatRef(t, g.Name, req.Key))
	default:
		return formatRef(t, g.Name, req.Key), nil
	}
}
