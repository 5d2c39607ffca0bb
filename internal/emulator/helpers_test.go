package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock lets tests expire soft-deleted names without waiting.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 678_000_000, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fixture is a real emulator on a loopback port with keys of every role.
type fixture struct {
	t      *testing.T
	srv    *Server
	clock  *fakeClock
	admin  string
	editor string
	viewer string
	// byType maps an integration type to its id.
	byType map[string]Integration
	client *http.Client
}

func start(t *testing.T, opts Options) *fixture {
	t.Helper()
	clock := newClock()
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	f := &fixture{t: t, clock: clock, admin: "admin-" + newID(), editor: "editor-" + newID(), viewer: "viewer-" + newID()}
	opts.APIKeys = append(opts.APIKeys, APIKey{f.admin, RoleAdmin}, APIKey{f.editor, RoleEditor}, APIKey{f.viewer, RoleViewer})
	srv, err := NewServer(opts)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	f.srv = srv
	f.byType = map[string]Integration{}
	for _, in := range srv.Integrations() {
		f.byType[in.Type] = in
	}
	// No keep-alives: a hijacked connection must never be retried by the
	// transport, so every request here is exactly one request.
	f.client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	return f
}

// call sends one request with key (empty: no Authorization header) and
// returns the status and raw body. A non-string, non-nil body is JSON-encoded.
func (f *fixture) call(key, method, path string, body any) (int, []byte) {
	f.t.Helper()
	status, b, err := f.try(key, method, path, body)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	return status, b
}

func (f *fixture) try(key, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			f.t.Fatalf("encode body: %v", err)
		}
		rd = bytes.NewReader(enc)
	}
	req, err := http.NewRequest(method, f.srv.URL()+path, rd)
	if err != nil {
		f.t.Fatalf("new request: %v", err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		f.t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	return resp.StatusCode, b, nil
}

// must calls and requires status 200, decoding the body into out.
func (f *fixture) must(key, method, path string, body, out any) {
	f.t.Helper()
	status, b := f.call(key, method, path, body)
	if status != 200 {
		f.t.Fatalf("%s %s: status %d: %s", method, path, status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			f.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
}

// wantError requires an HttpError with the status and exact message.
func (f *fixture) wantError(status int, message string, gotStatus int, body []byte) {
	f.t.Helper()
	if gotStatus != status {
		f.t.Fatalf("status %d, want %d: %s", gotStatus, status, body)
	}
	var he struct {
		StatusCode *int    `json:"statusCode"`
		Message    *string `json:"message"`
	}
	if err := json.Unmarshal(body, &he); err != nil || he.StatusCode == nil || he.Message == nil {
		f.t.Fatalf("not an HttpError body: %s", body)
	}
	if *he.StatusCode != status {
		f.t.Errorf("statusCode %d, want %d", *he.StatusCode, status)
	}
	if message != "" && *he.Message != message {
		f.t.Errorf("message %q, want %q", *he.Message, message)
	}
}

// Minimal response shapes for assertions.
type tGroup struct {
	ID                string    `json:"id"`
	Name              string    `json:"name"`
	FQN               string    `json:"fqn"`
	TenantName        string    `json:"tenantName"`
	IntegrationID     string    `json:"integrationId"`
	AccountID         string    `json:"accountId"`
	CreatedBy         string    `json:"createdBy"`
	CreatedAt         string    `json:"createdAt"`
	UpdatedAt         string    `json:"updatedAt"`
	AssociatedSecrets []tSecret `json:"associatedSecrets"`
	Manifest          struct {
		Type           string `json:"type"`
		Name           string `json:"name"`
		IntegrationFQN string `json:"integration_fqn"`
	} `json:"manifest"`
	CreatedBySubject struct {
		SubjectID   string `json:"subjectId"`
		SubjectType string `json:"subjectType"`
	} `json:"createdBySubject"`
}

type tSecret struct {
	ID             string  `json:"id"`
	FQN            string  `json:"fqn"`
	Name           string  `json:"name"`
	SecretGroupID  string  `json:"secretGroupId"`
	Value          *string `json:"value"`
	SecretVersions []struct {
		ID      string  `json:"id"`
		Version int     `json:"version"`
		Value   *string `json:"value"`
	} `json:"secretVersions"`
	ActiveDeploymentsCount *int `json:"activeDeploymentsCount"`
}

type tPagination struct {
	Total  int `json:"total"`
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
}

type kv = map[string]any

// secretsBody builds a "secrets" array from key/value pairs; a value of
// nil sends the key alone.
func secretsBody(pairs ...any) []kv {
	var out []kv
	for i := 0; i < len(pairs); i += 2 {
		e := kv{"key": pairs[i]}
		if pairs[i+1] != nil {
			e["value"] = pairs[i+1]
		}
		out = append(out, e)
	}
	return out
}

// create makes a group and returns it.
func (f *fixture) create(name, integrationType string, pairs ...any) tGroup {
	f.t.Helper()
	var out struct{ Data tGroup }
	f.must(f.admin, "POST", "/api/svc/v1/secret-groups",
		kv{"name": name, "integrationId": f.byType[integrationType].ID, "secrets": secretsBody(pairs...)}, &out)
	return out.Data
}

func (f *fixture) update(id string, pairs ...any) tGroup {
	f.t.Helper()
	var out struct{ Data tGroup }
	f.must(f.admin, "PUT", "/api/svc/v1/secret-groups/"+id, kv{"secrets": secretsBody(pairs...)}, &out)
	return out.Data
}

func (f *fixture) secret(key, id string) tSecret {
	f.t.Helper()
	var out struct{ Data tSecret }
	f.must(key, "GET", "/api/svc/v1/secrets/"+id, nil, &out)
	return out.Data
}

func secretID(g tGroup, key string) string {
	for _, s := range g.AssociatedSecrets {
		if s.Name == key {
			return s.ID
		}
	}
	return ""
}
