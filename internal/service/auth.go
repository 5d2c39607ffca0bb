package service

import (
	"context"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

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
	tenant := s.opts.Credentials.Tenant(req.Key)
	if tenant == "" {
		tenant = hostTenant(base)
	}
	if _, err := s.decide(ctx, req.Call, log, Input{Operation: plugin.OpAuthLogin, Tenant: tenant}); err != nil {
		return plugin.AuthStatus{}, err
	}
	api, err := s.opts.Connect(base, req.Key, log)
	if err != nil {
		return plugin.AuthStatus{}, credentialError("connect", err)
	}
	if err := api.Ping(ctx); err != nil {
		return plugin.AuthStatus{}, s.mapError("validate api key", err, subject{what: "secret groups"})
	}
	if err := s.opts.Credentials.Store(ctx, base, req.Key); err != nil {
		return plugin.AuthStatus{}, credentialError("store api key", err)
	}
	log.Debug("login", "host", base, "key", req.Key)
	return plugin.AuthStatus{Host: base, HostSource: hostSource, Tenant: tenant, KeySource: "keyring"}, nil
}

// Logout removes the host's key from the keyring.
func (s *Service) Logout(ctx context.Context, call plugin.Call) error {
	ctx, cancel, _ := s.begin(ctx, call)
	defer cancel()
	base, _, err := s.opts.Credentials.Host(ctx, call.Host)
	if err != nil {
		return credentialError("resolve host", err)
	}
	if err := s.opts.Credentials.Delete(ctx, base); err != nil {
		return credentialError("delete api key", err)
	}
	return nil
}

// Status says which host and key would be used, and from where; never the
// key itself.
func (s *Service) Status(ctx context.Context, call plugin.Call) (plugin.AuthStatus, error) {
	ctx, cancel, _ := s.begin(ctx, call)
	defer cancel()
	base, hostSource, err := s.opts.Credentials.Host(ctx, call.Host)
	if err != nil {
		return plugin.AuthStatus{}, credentialError("resolve host", err)
	}
	key, keySource, err := s.opts.Credentials.Key(ctx, base)
	if err != nil {
		return plugin.AuthStatus{}, credentialError("resolve api key", err)
	}
	tenant := s.opts.Credentials.Tenant(key)
	if tenant == "" {
		tenant = hostTenant(base)
	}
	return plugin.AuthStatus{Host: base, HostSource: hostSource, Tenant: tenant, KeySource: keySource}, nil
}
