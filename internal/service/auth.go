package service

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// statusCheckTimeout bounds the key check of auth status, so that a host
// that swallows packets cannot hold up a command whose answer is mostly
// local.
const statusCheckTimeout = 10 * time.Second

// Login validates a freshly typed key with one cheap API call and, only if
// the API accepts it, stores it in the keyring for the host.
func (s *Service) Login(ctx context.Context, req plugin.LoginRequest) (plugin.AuthStatus, error) {
	ctx, cancel, log := s.begin(ctx, req.Call)
	defer cancel()
	if !req.Key.IsSet() || req.Key.Len() == 0 {
		return plugin.AuthStatus{}, failure.New(failure.Usage, "the API key is empty").WithHint("paste the key at the prompt, or use --with-token < FILE")
	}
	base, hostSource, err := s.opts.Credentials.Host(ctx, req.Host)
	if err != nil {
		return plugin.AuthStatus{}, credentialError("resolve host", err)
	}
	api, err := s.opts.Connect(base, req.Key, log)
	if err != nil {
		return plugin.AuthStatus{}, credentialError("connect", err)
	}
	// The tenant lookup sends no key: nothing reaches the host with it
	// before policy has allowed the login.
	tenant, tenantSource := s.lookupTenant(ctx, api, base, req.Key, log)
	if _, err := s.decide(ctx, req.Call, log, policydoc.Input{Operation: plugin.OpAuthLogin, Tenant: tenant}); err != nil {
		return plugin.AuthStatus{}, err
	}
	if err := api.Ping(ctx); err != nil {
		if errors.Is(err, ErrUnauthorized) {
			// Not "log in again": logging in is what was just done.
			return plugin.AuthStatus{}, failure.Wrap(failure.Unauthorized, err, hostOf(err)+" rejected the API key (401 Unauthorized); nothing was stored").
				WithHint(hintCreateKey)
		}
		return plugin.AuthStatus{}, s.mapError("validate api key", err, subject{what: "secret groups"})
	}
	if err := s.opts.Credentials.Store(ctx, base, req.Key); err != nil {
		return plugin.AuthStatus{}, credentialError("store api key", err)
	}
	log.Debug("login", "host", base, "key", req.Key)
	return plugin.AuthStatus{
		Host: base, HostSource: hostSource, Tenant: tenant, TenantSource: tenantSource, KeySource: "keyring",
		User: s.opts.Credentials.User(req.Key), KeyCheck: plugin.KeyValid,
	}, nil
}

// Logout removes the host's key from the keyring and says which host that
// was.
func (s *Service) Logout(ctx context.Context, call plugin.Call) (plugin.AuthStatus, error) {
	ctx, cancel, _ := s.begin(ctx, call)
	defer cancel()
	base, hostSource, err := s.opts.Credentials.Host(ctx, call.Host)
	if err != nil {
		return plugin.AuthStatus{}, credentialError("resolve host", err)
	}
	if err := s.opts.Credentials.Delete(ctx, base); err != nil {
		return plugin.AuthStatus{}, credentialError("delete api key", err)
	}
	return plugin.AuthStatus{Host: base, HostSource: hostSource}, nil
}

// GetAuthStatus says which host and key would be used, and from where (never the
// key itself), whose key it is, and whether the host accepts it. The check
// is one cheap call; when it cannot be made (offline, a failing host) the
// status says so instead of failing, because everything else it shows is
// local.
func (s *Service) GetAuthStatus(ctx context.Context, call plugin.Call) (plugin.AuthStatus, error) {
	ctx, cancel, log := s.begin(ctx, call)
	defer cancel()
	base, hostSource, err := s.opts.Credentials.Host(ctx, call.Host)
	if err != nil {
		return plugin.AuthStatus{}, credentialError("resolve host", err)
	}
	key, keySource, err := s.opts.Credentials.Key(ctx, base)
	if err != nil {
		return plugin.AuthStatus{}, credentialError("resolve api key", err)
	}
	st := plugin.AuthStatus{Host: base, HostSource: hostSource, KeySource: keySource, User: s.opts.Credentials.User(key)}
	api, err := s.opts.Connect(base, key, log)
	if err != nil {
		st.Tenant, st.TenantSource = s.lookupTenant(ctx, nil, base, key, log)
		st.KeyCheck, st.KeyCheckDetail = plugin.KeyUnverified, failure.As(credentialError("connect", err)).Message
		return st, nil
	}
	cctx, ccancel := context.WithTimeout(ctx, statusCheckTimeout)
	defer ccancel()
	// Both may wait on the network; offline, side by side they wait once.
	type tenantAnswer struct {
		name   string
		source plugin.TenantSource
	}
	tenant := make(chan tenantAnswer, 1)
	go func() {
		t, source := s.lookupTenant(cctx, api, base, key, log)
		tenant <- tenantAnswer{t, source}
	}()
	st.KeyCheck, st.KeyCheckDetail = s.checkKey(cctx, api)
	t := <-tenant
	st.Tenant, st.TenantSource = t.name, t.source
	return st, nil
}

// checkKey asks the host whether it accepts the key.
func (s *Service) checkKey(ctx context.Context, api API) (plugin.KeyCheck, string) {
	err := api.Ping(ctx)
	switch {
	case err == nil:
		return plugin.KeyValid, ""
	case errors.Is(err, ErrForbidden):
		// The host knows the key; it only may not list groups.
		return plugin.KeyValid, "the key may not list secret groups"
	case errors.Is(err, ErrUnauthorized):
		return plugin.KeyRejected, checkDetail(s.mapError(checkOp, err, subject{}))
	}
	return plugin.KeyUnverified, checkDetail(s.mapError(checkOp, err, subject{what: "secret groups"}))
}

const checkOp = "check api key"

// checkDetail is a mapped failure's message without the operation, which
// the status line already names.
func checkDetail(err error) string {
	return strings.TrimPrefix(failure.As(err).Message, checkOp+": ")
}
