// Package emulator is a local, faithful emulator of TrueFoundry's secrets
// API (truefoundry-api.md, with the decisions of its section 12): secret
// groups, secrets and their versions, provider accounts and integrations,
// manifest apply (secret groups, and deployment manifests whose
// tfy-secret:// references must resolve), bearer-token roles, per-store key
// rules and soft delete, and test-only control endpoints under /_emulator/
// for resets and fault injection. Tests, demos and the tfy-emulator binary
// run it on loopback.
//
// It owns its own wire structs, written from the specification; it must not
// share code with the API client (internal/tfyapi), so that the client's
// mistakes cannot hide behind the same mistakes here. It must never write a
// secret value anywhere but a response that asks for it and the state file
// it was told to keep (a deployment manifest's plaintext is masked before it
// is kept), and it listens on loopback addresses only.
package emulator

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Role is what an API key may do.
type Role string

// The roles. Admins and editors may read values and write; viewers may only
// read, and never see a value.
const (
	RoleAdmin  Role = "admin"
	RoleEditor Role = "editor"
	RoleViewer Role = "viewer"
)

// APIKey is a bearer token the emulator accepts, with its role.
type APIKey struct {
	Key  string
	Role Role
}

// ParseAPIKey parses the --api-key flag form KEY[:admin|editor|viewer]; a
// key without a role is an admin key. Errors never repeat the key.
func ParseAPIKey(s string) (APIKey, error) {
	k := APIKey{Key: s, Role: RoleAdmin}
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		k.Key, k.Role = s[:i], Role(s[i+1:])
		switch k.Role {
		case RoleAdmin, RoleEditor, RoleViewer:
		default:
			return APIKey{}, errors.New("api key: the part after the last ':' must be a role: admin, editor or viewer")
		}
	}
	if err := checkKeyText(k.Key); err != nil {
		return APIKey{}, err
	}
	return k, nil
}

// checkKeyText refuses keys that cannot travel in an Authorization header.
func checkKeyText(key string) error {
	if key == "" {
		return errors.New("api key: empty")
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c <= ' ' || c >= 0x7f {
			return fmt.Errorf("api key: byte %d is a space, control or non-ASCII character, which cannot be sent in a header", i+1)
		}
	}
	return nil
}

// Options configure a Server. The zero value is a usable in-memory emulator
// on a free loopback port with a generated admin key.
type Options struct {
	// Addr is host:port to listen on; the host must be a loopback IP (an
	// empty host means 127.0.0.1) and port 0 picks a free port.
	Addr   string
	Tenant string // default "demo"
	// APIKeys are the accepted bearer tokens. When empty, one random admin
	// key is generated; APIKey returns it.
	APIKeys []APIKey
	// StatePath, when set, persists the state to this file after every
	// write and loads it at start.
	StatePath string
	// NoSecretStore starts without any secret-store integration.
	NoSecretStore bool
	// DisableValueView omits every secret value from every response, as
	// a control plane with DISABLE_SECRET_VALUE_VIEW does.
	DisableValueView bool
	// FullIntegrationType puts the full manifest type
	// (integration/secret-store/gcp/gsm) in the "type" of
	// /provider-integrations items instead of the documented category
	// (secret-store), so clients' handling of both forms can be tested.
	FullIntegrationType bool
	// OmitGroupName leaves "name" out of groups, as TrueFoundry's current
	// schema does; clients then find it in "manifest.name" or the FQN.
	OmitGroupName bool
	// Now is the clock (default time.Now); tests move it to expire
	// soft-deleted names without waiting.
	Now func() time.Time
}

// caller is an authenticated API key.
type caller struct {
	role Role
	slug string // the subject slug recorded as createdBy
}

func (c caller) canWrite() bool { return c.role == RoleAdmin || c.role == RoleEditor }

// Server is a running emulator.
type Server struct {
	opts       Options
	now        func() time.Time
	store      store
	persistent bool
	ln         net.Listener
	http       *http.Server
	url        string
	handler    http.Handler
	firstKey   string

	mu   sync.RWMutex
	st   *state
	seed *snapshot // the start-up state, restored by /_emulator/reset

	keysMu sync.RWMutex
	keys   map[string]caller

	faults faultTable
}

// NewServer starts an emulator listening on opts.Addr and returns once it
// accepts connections.
func NewServer(opts Options) (*Server, error) {
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	addr, err := loopbackAddr(opts.Addr)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	s.ln = ln
	s.url = "http://" + ln.Addr().String()
	s.http = &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.http.Serve(ln) }() // Serve returns ErrServerClosed on Stop
	return s, nil
}

// newServer builds a server without listening, for in-process handler tests
// and fuzzing.
func newServer(opts Options) (*Server, error) {
	if opts.Tenant == "" {
		opts.Tenant = "demo"
	}
	if strings.ContainsAny(opts.Tenant, ":/ ") {
		return nil, errors.New("tenant: must not contain ':', '/' or spaces")
	}
	s := &Server{opts: opts, now: opts.Now, store: memoryStore{}, keys: map[string]caller{}}
	if s.now == nil {
		s.now = time.Now
	}
	if opts.StatePath != "" {
		s.store, s.persistent = fileStore{path: opts.StatePath}, true
	}
	keys := opts.APIKeys
	if len(keys) == 0 {
		keys = []APIKey{{Key: generateKey(opts.Tenant), Role: RoleAdmin}}
	}
	for _, k := range keys {
		if err := s.AddAPIKey(k.Key, k.Role); err != nil {
			return nil, err
		}
	}
	s.firstKey = keys[0].Key

	snap, err := s.store.load()
	if err != nil {
		return nil, fmt.Errorf("load state: %w", err)
	}
	s.st = seedState(opts.Tenant, !opts.NoSecretStore, s.now())
	if snap != nil {
		if snap.Tenant != opts.Tenant {
			return nil, fmt.Errorf("load state: %s holds tenant %q, not %q; pass --tenant %s or use another file", opts.StatePath, snap.Tenant, opts.Tenant, snap.Tenant)
		}
		if s.st, err = restore(snap); err != nil {
			return nil, fmt.Errorf("load state: %s: %w; it was left untouched", opts.StatePath, err)
		}
	} else if s.persistent {
		// Write the fresh state at once, so integration ids are fixed from
		// the first run and an unwritable path fails at start-up.
		if err := s.store.save(s.st.snapshot()); err != nil {
			return nil, err
		}
	}
	s.seed = seedOf(s.st.snapshot())
	s.handler = s.routes()
	return s, nil
}

// seedOf is what /_emulator/reset returns to: the same accounts and
// integrations (ids included), with default settings and nothing else: no
// groups, no soft-deleted names, no applied manifests.
func seedOf(snap *snapshot) *snapshot {
	snap.Groups, snap.Soft, snap.Applied = []snapGroup{}, []snapSoftDeleted{}, nil
	for i := range snap.Accounts {
		for j := range snap.Accounts[i].Integrations {
			in := &snap.Accounts[i].Integrations[j]
			in.Faulty, in.PurgeProtection = false, false
			if r := rulesByType[in.Type]; r != nil {
				in.Retention = r.defaultRetention
			}
		}
	}
	return snap
}

// loopbackAddr checks that addr listens on loopback only.
func loopbackAddr(addr string) (string, error) {
	if addr == "" {
		return "127.0.0.1:0", nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("address %q: want host:port such as 127.0.0.1:8765", addr)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return "", fmt.Errorf("address %q: the emulator listens on loopback IPs only, such as 127.0.0.1", addr)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return "", fmt.Errorf("address %q: port must be a number from 0 to 65535", addr)
	}
	return net.JoinHostPort(host, port), nil
}

// generateKey makes a JWT-shaped admin key carrying the tenantName claim
// (clients derive the tenant from it) and a random part that makes it
// unguessable. The signature is random bytes: nothing verifies it.
func generateKey(tenant string) string {
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	claims, _ := json.Marshal(map[string]any{ // a map of strings and a number always marshals
		"tenantName": tenant, "username": "emulator-admin", "exp": 4102444800, "jti": newID(),
	})
	sig := make([]byte, 32)
	_, _ = rand.Read(sig)
	return header + "." + enc.EncodeToString(claims) + "." + enc.EncodeToString(sig)
}

// URL is the base URL clients use, e.g. http://127.0.0.1:40123.
func (s *Server) URL() string { return s.url }

// Tenant is the tenant name in every FQN.
func (s *Server) Tenant() string { return s.opts.Tenant }

// APIKey is the first key the server accepts: the generated admin key when
// none was configured.
func (s *Server) APIKey() string { return s.firstKey }

// Handler serves the emulator's API and control endpoints, for tests that
// run it in-process.
func (s *Server) Handler() http.Handler { return s.handler }

// AddAPIKey makes key an accepted bearer token with role.
func (s *Server) AddAPIKey(key string, role Role) error {
	switch role {
	case RoleAdmin, RoleEditor, RoleViewer:
	default:
		return errors.New("api key: role must be admin, editor or viewer")
	}
	if err := checkKeyText(key); err != nil {
		return err
	}
	s.keysMu.Lock()
	s.keys[key] = caller{role: role, slug: "emulator-" + string(role)}
	s.keysMu.Unlock()
	return nil
}

// Integration describes a provider integration, for tests that need ids.
type Integration struct {
	ID   string
	Name string
	FQN  string
	Type string
}

// Integrations lists the integrations in start-up order.
func (s *Server) Integrations() []Integration {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Integration
	for _, a := range s.st.accounts {
		for _, in := range a.Integrations {
			out = append(out, Integration{ID: in.ID, Name: in.Name, FQN: in.FQN, Type: in.Type})
		}
	}
	return out
}

// Client returns an HTTP client that sends the first API key on every
// request to the emulator.
func (s *Server) Client() *http.Client {
	return &http.Client{Transport: bearerTransport{key: s.firstKey, base: http.DefaultTransport}}
}

type bearerTransport struct {
	key  string
	base http.RoundTripper
}

func (t bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+t.key)
	return t.base.RoundTrip(r)
}

// Stop stops serving: in-flight requests get a few seconds to finish, then
// every connection is closed.
func (s *Server) Stop() error {
	if s.http == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.http.Shutdown(ctx); err != nil {
		_ = s.http.Close()
		return fmt.Errorf("stop: %w", err)
	}
	return nil
}

// persist saves the state; callers hold s.mu for writing.
func (s *Server) persist() error {
	if !s.persistent {
		return nil
	}
	if err := s.store.save(s.st.snapshot()); err != nil {
		return errorf(500, "Emulator could not persist its state: %v", err)
	}
	return nil
}

// authenticate maps the bearer token to a caller.
func (s *Server) authenticate(r *http.Request) (caller, error) {
	h := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || strings.TrimSpace(token) == "" {
		return caller{}, errorf(401, "Missing bearer token: send the header 'Authorization: Bearer <TFY_API_KEY>'")
	}
	s.keysMu.RLock()
	c, ok := s.keys[strings.TrimSpace(token)]
	s.keysMu.RUnlock()
	if !ok {
		return caller{}, errorf(401, "Invalid API key")
	}
	return c, nil
}
