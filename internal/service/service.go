package service

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/internal/secret"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// Options are the service's dependencies.
type Options struct {
	Credentials Credentials
	Connect     Connect
	LoadPolicy  LoadPolicy
	Providers   Providers
	// Locks serialises this machine's writers of a group; nil means
	// writes are not serialised (the re-read and verification still run).
	Locks Locker
	// Debug receives redacted diagnostics for calls made with Call.Debug;
	// nil discards them.
	Debug io.Writer
	// Now is the clock for plan expiry; nil means time.Now.
	Now func() time.Time
}

// planTTL bounds how long a plan (and the values it holds) stays in memory:
// a plan nobody applies must not keep values around in a long-running plugin
// such as the MCP server's.
const planTTL = 15 * time.Minute

// Service implements plugin.Service. It is safe for concurrent use.
type Service struct {
	opts Options
	// digestKey keys the hashes that compare values (unchanged values at
	// plan time, the stored values after a write); it never leaves the
	// process, so a digest kept in a plan cannot be tested against guesses.
	digestKey []byte

	mu       sync.Mutex
	policies map[string]Policy
	plans    map[string]*pendingPlan
}

var _ plugin.Service = (*Service)(nil)

// New returns a Service. The policy engine is built lazily, on the first call
// that needs it, and then reused for the life of the process.
func New(opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Debug == nil {
		opts.Debug = io.Discard
	}
	return &Service{opts: opts, digestKey: []byte(rand.Text()), policies: map[string]Policy{}, plans: map[string]*pendingPlan{}}
}

// session is one call's connection: where, with which key, and the client.
type session struct {
	svc        *Service
	call       plugin.Call
	api        API
	baseURL    string
	hostSource string
	keySource  string
	log        *slog.Logger
	// resolveTenant is lookupTenant for this call, done once, on first use.
	resolveTenant func() (string, plugin.TenantSource)
}

// begin applies the call's timeout and returns a logger that writes only when
// the call asked for debug output.
func (s *Service) begin(ctx context.Context, call plugin.Call) (context.Context, context.CancelFunc, *slog.Logger) {
	w := io.Discard
	if call.Debug {
		w = s.opts.Debug
	}
	log := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if call.Timeout > 0 {
		ctx, cancel := context.WithTimeout(ctx, call.Timeout)
		return ctx, cancel, log
	}
	ctx, cancel := context.WithCancel(ctx)
	return ctx, cancel, log
}

// open resolves credentials and connects.
func (s *Service) open(ctx context.Context, call plugin.Call, log *slog.Logger) (*session, error) {
	base, hostSource, err := s.opts.Credentials.Host(ctx, call.Host)
	if err != nil {
		return nil, credentialError("resolve host", err)
	}
	key, keySource, err := s.opts.Credentials.Key(ctx, base)
	if err != nil {
		return nil, credentialError("resolve api key", err)
	}
	api, err := s.opts.Connect(base, key, log)
	if err != nil {
		return nil, credentialError("connect", err)
	}
	log.Debug("session", "host", base, "host_source", hostSource, "key_source", keySource, "key", key)
	sess := &session{svc: s, call: call, api: api, baseURL: base, hostSource: hostSource, keySource: keySource, log: log}
	// A session is one call's, so its lookup may use that call's context;
	// it runs at most once, and only when something needs the tenant.
	sess.resolveTenant = sync.OnceValues(func() (string, plugin.TenantSource) {
		return s.lookupTenant(ctx, api, base, key, log)
	})
	return sess, nil
}

// credentialError keeps a credentials failure's own kind and hint; anything
// else is reported as a configuration problem under the operation's name.
func credentialError(op string, err error) error {
	if _, ok := errors.AsType[*failure.Error](err); ok {
		return err
	}
	return failure.Wrap(failure.Config, err, op+": "+err.Error())
}

// policy returns the engine for a bundle path, building it on first use.
// Building is slow (WASM compilation), so it happens once per bundle per
// process; holding the lock meanwhile makes concurrent first calls wait for
// the one build instead of repeating it.
func (s *Service) policy(ctx context.Context, bundle string) (Policy, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.policies[bundle]; ok {
		return d, nil
	}
	var data []byte
	if s.opts.Providers != nil {
		data = s.opts.Providers.StoreRules()
	}
	d, err := s.opts.LoadPolicy(ctx, bundle, data)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			// Not a broken bundle: the call's --timeout ran out, most likely
			// while the policies were compiled for the first time.
			return nil, failure.Wrap(failure.Unavailable, err, "loading the policies did not finish within the timeout").
				WithHint("raise --timeout; the first run after an install compiles the policies and takes longest")
		}
		if _, ok := errors.AsType[*failure.Error](err); ok {
			return nil, err
		}
		return nil, failure.Wrap(failure.Config, err, "load policy: "+err.Error())
	}
	s.policies[bundle] = d
	return d, nil
}

// decide evaluates in under the call's policies and turns a deny into a
// failure that lists every reason.
func (s *Service) decide(ctx context.Context, call plugin.Call, log *slog.Logger, in policydoc.Input) (policydoc.Decision, error) {
	in.Context = policydoc.Context{
		Client: call.Client, Interactive: call.Interactive, Yes: call.Yes, ConfirmName: call.ConfirmName,
		DryRun: call.DryRun, CI: call.CI, ShowPrefix: call.ShowPrefix,
	}
	if in.Context.Client == "" {
		in.Context.Client = plugin.ClientCLI
	}
	if in.Changes == nil {
		in.Changes = []policydoc.Change{}
	}
	if in.Secrets == nil {
		in.Secrets = []policydoc.Secret{}
	}
	d, err := s.policy(ctx, call.PolicyPath)
	if err != nil {
		return policydoc.Decision{}, err
	}
	dec, err := d.Decide(ctx, in)
	if err != nil {
		if _, ok := errors.AsType[*failure.Error](err); ok {
			return policydoc.Decision{}, err
		}
		return policydoc.Decision{}, failure.Wrap(failure.Config, err, "evaluate policy: "+err.Error())
	}
	log.Debug("policy", "operation", in.Operation, "deny", len(dec.Deny), "warn", len(dec.Warn), "confirm", dec.Confirm)
	if len(dec.Deny) > 0 {
		return dec, failure.New(failure.Denied, "denied by policy: %s", strings.Join(dec.Deny, "; ")).
			WithHint("see the active policies with: tfy-secrets policy show")
	}
	if dec.Confirm == "" {
		dec.Confirm = plugin.ConfirmNone
	}
	return dec, nil
}

// tenant is the tenant for references: the API's word for the group first,
// then fallbackTenant.
func (sess *session) tenant(g Group) string {
	t, _ := sess.tenantOf(g)
	return t
}

// tenantOf is tenant with where it came from.
func (sess *session) tenantOf(g Group) (string, plugin.TenantSource) {
	if g.Tenant != "" {
		return g.Tenant, plugin.TenantFromAPI
	}
	if t, _, ok := strings.Cut(g.FQN, ":"); ok && t != "" {
		return t, plugin.TenantFromAPI
	}
	return sess.resolveTenant()
}

// fallbackTenant is the caller's tenant when no group says: see
// lookupTenant.
func (sess *session) fallbackTenant() string {
	t, _ := sess.resolveTenant()
	return t
}

// lookupTenant is the tenant when no group says: the key's tenantName
// claim, else the API's answer for the host (what the tfy CLI asks), else
// the first DNS label of the host, which is only a guess: on a shared host
// such as app.truefoundry.com it is "app". A failed lookup is not an error;
// it only leaves the guess.
func (s *Service) lookupTenant(ctx context.Context, api API, baseURL string, key secret.Value, log *slog.Logger) (string, plugin.TenantSource) {
	if t := s.opts.Credentials.Tenant(key); t != "" {
		return t, plugin.TenantFromKey
	}
	if api != nil {
		t, err := api.TenantName(ctx)
		if err == nil && t != "" {
			return t, plugin.TenantFromAPI
		}
		log.Debug("tenant lookup failed; guessing from the host name", "error", err)
	}
	if t := hostTenant(baseURL); t != "" {
		return t, plugin.TenantFromHost
	}
	return "", ""
}

// hostTenant is the first DNS label of a base URL's host ("my-org" from
// https://my-org.truefoundry.cloud); "" for an IP address or no host.
func hostTenant(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil {
		return ""
	}
	h := u.Hostname()
	if h == "" || strings.ContainsAny(h, ":") || strings.Trim(h, "0123456789.") == "" {
		return ""
	}
	label, _, _ := strings.Cut(h, ".")
	return label
}

// mask renders a value for display as the decision says: "(set)", or the
// first four characters and "***" when the decision allows prefix4 and the
// value is long enough that four characters are at most half of it.
func mask(v secret.Value, level string) string {
	if level != policydoc.MaskPrefix4 || !v.IsSet() {
		return secret.Redacted
	}
	r := []rune(v.Reveal())
	if len(r) < 8 {
		return secret.Redacted
	}
	return string(r[:4]) + "***"
}

// withOp names the operation for errors that are not failures yet, so the
// host's "unexpected" message still says what was being done.
func withOp(op string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*failure.Error](err); ok {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}
