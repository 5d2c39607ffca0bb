// Package credentials finds the TrueFoundry base URL and API key the way
// design section 4 orders them, says where each came from, and keeps the key
// in the OS keyring at login. It also reads the tenantName claim of a JWT key.
//
// It owns the resolution order, host URL normalisation (http only for
// loopback), the keyring entry (service "tfy-secrets", user = normalised
// host), the non-secret login config file, and read-only use of the tfy
// CLI's ~/.truefoundry/credentials.json and of ./.env.
//
// It must never write an API key anywhere but the keyring, never fall back
// to a plaintext file when the keyring fails, never use a key stored for one
// host (keyring entry, credentials.json) with another host, and never put a
// key (or a line of a file that may hold one) into an error. It makes no network calls: validating a key is the
// service's job.
package credentials

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/tfy-secrets/tfy-secrets/internal/dotenv"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/secret"
)

// The environment variables read here, in design section 4's order.
const (
	EnvBaseURL       = "TFY_BASE_URL"
	EnvHost          = "TFY_HOST"
	EnvAPIHost       = "TFY_API_HOST"
	EnvAPIKey        = "TFY_API_KEY"
	EnvXDGConfigHome = "XDG_CONFIG_HOME"
)

// Sources, as shown by `auth status`. Environment sources are "env NAME" and
// ./.env sources ".env NAME".
const (
	SourceFlag           = "flag --host"
	SourceLogin          = "auth login"
	SourceKeyring        = "keyring"
	SourceTFYCredentials = "~/.truefoundry/credentials.json"
)

// hostVars is the order in which both the environment and ./.env are asked
// for the base URL.
var hostVars = []string{EnvBaseURL, EnvHost, EnvAPIHost}

// Options are the outside facts resolution depends on, injectable so tests
// never touch the real process environment, home or keyring.
type Options struct {
	LookupEnv func(string) (string, bool) // os.LookupEnv
	WorkDir   string                      // where ./.env is looked for
	HomeDir   string                      // for ~/.truefoundry and the XDG default
	Keyring   Keyring
}

// Resolver resolves credentials. It reads ./.env at most once and is safe
// for concurrent use.
type Resolver struct {
	opts       Options
	dotenvOnce sync.Once
	dotenv     map[string]string
	dotenvErr  error
}

// New returns a Resolver over opts.
func New(opts Options) *Resolver { return &Resolver{opts: opts} }

// FromProcess returns a Resolver over this process's environment, working
// directory, home directory and the OS keyring.
func FromProcess() (*Resolver, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("credentials: working directory: %w", err)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return nil, fmt.Errorf("credentials: home directory: %w", err)
	}
	return New(Options{LookupEnv: os.LookupEnv, WorkDir: wd, HomeDir: home, Keyring: SystemKeyring{}}), nil
}

// Host resolves the base URL: the --host flag value, then TFY_BASE_URL,
// TFY_HOST, TFY_API_HOST from the environment, then the same from ./.env,
// then the host remembered at login, then credentials.json's host. Empty
// values count as unset, as in tfy-api.sh's ${VAR:-...}. It returns the
// normalised URL and where it came from.
func (r *Resolver) Host(_ context.Context, flag string) (baseURL, source string, err error) {
	if flag != "" {
		return normalized(flag, SourceFlag)
	}
	for _, name := range hostVars {
		if v := r.env(name); v != "" {
			return normalized(v, "env "+name)
		}
	}
	for _, name := range hostVars {
		v, err := r.dotenvVar(name)
		if err != nil {
			return "", "", err
		}
		if v != "" {
			return normalized(v, ".env "+name)
		}
	}
	cfg, err := r.readLoginConfig()
	if err != nil {
		return "", "", err
	}
	if cfg.Host != "" {
		return normalized(cfg.Host, SourceLogin)
	}
	tc, err := r.readTFYCredentials()
	if err != nil {
		return "", "", err
	}
	if tc.Host != "" {
		return normalized(tc.Host, SourceTFYCredentials)
	}
	return "", "", failure.New(failure.Unauthorized, "no TrueFoundry host configured").
		WithHint("pass --host URL, set %s, or run `tfy-secrets auth login --host URL`", EnvBaseURL)
}

// Key resolves the API key for baseURL: TFY_API_KEY from the environment,
// then from ./.env, then the keyring entry for the host, then
// credentials.json's access_token if that file is for the same host. A
// keyring that cannot be used is an error, not a reason to move on.
func (r *Resolver) Key(ctx context.Context, baseURL string) (key secret.Value, source string, err error) {
	host, err := NormalizeHost(baseURL)
	if err != nil {
		return secret.Value{}, "", failure.Wrap(failure.Usage, err, "resolve api key: "+err.Error())
	}
	if v := r.env(EnvAPIKey); v != "" {
		return secret.FromString(v), "env " + EnvAPIKey, nil
	}
	v, err := r.dotenvVar(EnvAPIKey)
	if err != nil {
		return secret.Value{}, "", err
	}
	if v != "" {
		return secret.FromString(v), ".env " + EnvAPIKey, nil
	}
	key, err = r.opts.Keyring.Get(ctx, host)
	switch {
	case err == nil:
		return key, SourceKeyring, nil
	case !errors.Is(err, ErrNotFound):
		return secret.Value{}, "", fmt.Errorf("resolve api key: %w", err)
	}
	tc, err := r.readTFYCredentials()
	if err != nil {
		return secret.Value{}, "", err
	}
	if tc.AccessToken.IsSet() {
		// The token is for tc.Host only; sending it elsewhere would hand it
		// to whoever runs that host.
		if tcHost, herr := NormalizeHost(tc.Host); herr == nil && tcHost == host {
			return tc.AccessToken, SourceTFYCredentials, nil
		}
	}
	return secret.Value{}, "", failure.New(failure.Unauthorized, "not logged in to %s: no API key found", host).
		WithHint("run `tfy-secrets auth login --host %s`, or set %s", host, EnvAPIKey)
}

// Tenant is the tenantName claim of a JWT key, or "" when the key is not a
// JWT or has none (the caller then falls back to TenantFromHost).
func (r *Resolver) Tenant(key secret.Value) string {
	t, err := TenantFromKey(key)
	if err != nil {
		return ""
	}
	return t
}

// User is who a JWT key belongs to (its username or email claim), or "".
func (r *Resolver) User(key secret.Value) string { return UserFromKey(key) }

// Store is the storing half of login: it saves key in the keyring for
// baseURL and remembers baseURL as the default host for later commands. The
// key must already have been validated. The host is remembered only once the
// key is stored.
func (r *Resolver) Store(ctx context.Context, baseURL string, key secret.Value) error {
	h, err := NormalizeHost(baseURL)
	if err != nil {
		return failure.Wrap(failure.Usage, err, "login: "+err.Error())
	}
	if err := r.opts.Keyring.Store(ctx, h, key); err != nil {
		return fmt.Errorf("login: %w", err)
	}
	data, err := json.MarshalIndent(loginConfig{Host: h}, "", "  ")
	if err != nil {
		return fmt.Errorf("login: %w", err)
	}
	path := r.loginConfigPath()
	if err := writeFileAtomic(path, append(data, '\n')); err != nil {
		return failure.Wrap(failure.Config, err, fmt.Sprintf("login: write %s: %v", path, err))
	}
	return nil
}

// Delete is logout: it removes baseURL's keyring entry and, when baseURL is
// the host remembered at login, forgets it. Logging out of a host with no
// entry is not an error, so logout can always be re-run.
func (r *Resolver) Delete(ctx context.Context, baseURL string) error {
	h, err := NormalizeHost(baseURL)
	if err != nil {
		return failure.Wrap(failure.Usage, err, "logout: "+err.Error())
	}
	if err := r.opts.Keyring.Delete(ctx, h); err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("logout: %w", err)
	}
	cfg, err := r.readLoginConfig()
	if err != nil {
		return err
	}
	if cfg.Host == "" {
		return nil
	}
	// A remembered host that no longer parses is forgotten too: it could
	// only ever produce errors.
	if stored, err := NormalizeHost(cfg.Host); err == nil && stored != h {
		return nil
	}
	path := r.loginConfigPath()
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return failure.Wrap(failure.Config, err, fmt.Sprintf("logout: remove %s: %v", path, unwrapPath(err)))
	}
	return nil
}

// loginConfigPath is where the host remembered at login is kept:
// $XDG_CONFIG_HOME/tfy-secrets/config.json, else ~/.config/tfy-secrets/config.json.
func (r *Resolver) loginConfigPath() string {
	base := r.env(EnvXDGConfigHome)
	if base == "" || !filepath.IsAbs(base) {
		// The XDG spec says to ignore a relative value.
		base = filepath.Join(r.opts.HomeDir, ".config")
	}
	return filepath.Join(base, "tfy-secrets", "config.json")
}

func (r *Resolver) tfyCredentialsPath() string {
	return filepath.Join(r.opts.HomeDir, ".truefoundry", "credentials.json")
}

func (r *Resolver) env(name string) string {
	if r.opts.LookupEnv == nil {
		return ""
	}
	v, _ := r.opts.LookupEnv(name)
	return v
}

// dotenvVar reads ./.env leniently, like tfy-api.sh: lines it cannot parse
// are skipped. A file that exists but cannot be read is an error.
func (r *Resolver) dotenvVar(name string) (string, error) {
	r.dotenvOnce.Do(func() { r.dotenv, r.dotenvErr = r.loadDotenv() })
	return r.dotenv[name], r.dotenvErr
}

func (r *Resolver) loadDotenv() (map[string]string, error) {
	if r.opts.WorkDir == "" {
		return nil, nil
	}
	path := filepath.Join(r.opts.WorkDir, ".env")
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, failure.Wrap(failure.Config, err, fmt.Sprintf("read %s: %v", path, unwrapPath(err)))
	}
	defer func() { _ = f.Close() }()
	pairs, _, err := dotenv.ParseLenient(f)
	if err != nil {
		return nil, failure.Wrap(failure.Config, err, fmt.Sprintf("read %s: %v", path, err))
	}
	vars := make(map[string]string, len(pairs))
	for _, p := range pairs {
		switch p.Key {
		case EnvBaseURL, EnvHost, EnvAPIHost, EnvAPIKey:
			vars[p.Key] = p.Value.Reveal()
		}
	}
	return vars, nil
}

func (r *Resolver) readLoginConfig() (loginConfig, error) {
	path := r.loginConfigPath()
	data, err := readSmallFile(path)
	if err != nil || data == nil {
		return loginConfig{}, configErr(path, err)
	}
	c, err := parseLoginConfig(data)
	return c, configErr(path, err)
}

func (r *Resolver) readTFYCredentials() (tfyCredentials, error) {
	path := r.tfyCredentialsPath()
	data, err := readSmallFile(path)
	if err != nil || data == nil {
		return tfyCredentials{}, configErr(path, err)
	}
	c, err := parseTFYCredentials(data)
	return c, configErr(path, err)
}

func configErr(path string, err error) error {
	if err == nil {
		return nil
	}
	return failure.Wrap(failure.Config, err, fmt.Sprintf("read %s: %v", path, err)).
		WithHint("fix or remove the file")
}

func normalized(raw, source string) (baseURL, src string, err error) {
	u, err := NormalizeHost(raw)
	if err != nil {
		kind := failure.Config
		if source == SourceFlag {
			kind = failure.Usage
		}
		return "", "", failure.Wrap(kind, err, fmt.Sprintf("host from %s: %v", source, err))
	}
	return u, source, nil
}
