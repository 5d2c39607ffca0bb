package tfyapi

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/secret"
	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
)

const groupJSON = `{"id":"g1","fqn":"acme:payments","tenantName":"acme","integrationId":"int-1","accountId":"acc-1",
 "createdBySubject":{"subjectId":"u","subjectType":"user"},
 "manifest":{"type":"secret-group","name":"payments"},
 "associatedSecrets":[{"id":"s1","fqn":"acme:payments:DB_PASSWORD","name":"DB_PASSWORD","secretGroupId":"g1"}],
 "createdAt":"2026-01-02T03:04:05Z","updatedAt":"2026-01-02T03:04:05.123Z"}`

// TestEndpointRequests pins every call's exact request: method, path, query,
// JSON body and headers, and checks the decoded answer.
func TestEndpointRequests(t *testing.T) {
	t.Parallel()
	value := testkit.Canary("canary-value-")
	cases := []struct {
		name      string
		respond   string // 200 body
		call      func(ctx context.Context, c *Client) (any, error)
		method    string
		path      string
		query     string
		body      string // "" = no body
		wantValue bool   // the request carries the canary value
		check     func(t *testing.T, got any)
	}{
		{
			name:    "get group",
			respond: `{"data":` + groupJSON + `}`,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.GetGroup(ctx, "g/1 x") },
			method:  "GET", path: "/api/svc/v1/secret-groups/g%2F1%20x",
			check: func(t *testing.T, got any) {
				g := got.(SecretGroup)
				if g.ID != "g1" || g.Name != "payments" || g.FQN != "acme:payments" || g.TenantName != "acme" || g.IntegrationID != "int-1" || g.AccountID != "acc-1" {
					t.Errorf("group = %+v", g)
				}
				if !g.UpdatedAt.Equal(time.Date(2026, 1, 2, 3, 4, 5, 123e6, time.UTC)) {
					t.Errorf("UpdatedAt = %v", g.UpdatedAt)
				}
				if len(g.Secrets) != 1 || g.Secrets[0].Key != "DB_PASSWORD" || g.Secrets[0].GroupID != "g1" || g.Secrets[0].Value.IsSet() {
					t.Errorf("secrets = %+v", g.Secrets)
				}
			},
		},
		{
			name:    "create group",
			respond: `{"data":` + groupJSON + `}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateGroup(ctx, CreateGroupInput{Name: "payments", IntegrationID: "int-1", Secrets: []SecretInput{{Key: "DB_PASSWORD", Value: secret.FromString(value)}}})
			},
			method: "POST", path: "/api/svc/v1/secret-groups",
			body:      `{"name":"payments","integrationId":"int-1","secrets":[{"key":"DB_PASSWORD","value":"` + value + `"}]}`,
			wantValue: true,
			check:     func(t *testing.T, got any) { checkName(t, got, "payments") },
		},
		{
			name:    "update group keeps unset values",
			respond: `{"data":` + groupJSON + `}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateGroup(ctx, "g1", []SecretInput{{Key: "DB_PASSWORD", Value: secret.FromString(value)}, {Key: "KEEP"}})
			},
			method: "PUT", path: "/api/svc/v1/secret-groups/g1",
			body:      `{"secrets":[{"key":"DB_PASSWORD","value":"` + value + `"},{"key":"KEEP"}]}`,
			wantValue: true,
			check:     func(t *testing.T, got any) { checkName(t, got, "payments") },
		},
		{
			name:    "delete group",
			respond: `{}`,
			call:    func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteGroup(ctx, "g1", false) },
			method:  "DELETE", path: "/api/svc/v1/secret-groups/g1",
		},
		{
			name:    "force delete group",
			respond: `{}`,
			call:    func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteGroup(ctx, "g1", true) },
			method:  "DELETE", path: "/api/svc/v1/secret-groups/g1", query: "forceDelete=true",
		},
		{
			name:    "upsert manifest dry run",
			respond: `{"data":` + groupJSON + `}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpsertGroupManifest(ctx, GroupManifest{Name: "payments", IntegrationFQN: "acme:aws:a:secret-store:sm", Collaborators: []Collaborator{{Subject: "user:a@example.com", RoleID: "secret-group-admin"}}, OwnedByAccount: "acc"}, true)
			},
			method: "PUT", path: "/api/svc/v1/secret-groups",
			body:  `{"manifest":{"type":"secret-group","name":"payments","integration_fqn":"acme:aws:a:secret-store:sm","collaborators":[{"subject":"user:a@example.com","role_id":"secret-group-admin"}],"ownedBy":{"account":"acc"}},"dryRun":true}`,
			check: func(t *testing.T, got any) { checkName(t, got, "payments") },
		},
		{
			name:    "upsert manifest sends empty collaborators",
			respond: `{"data":` + groupJSON + `}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpsertGroupManifest(ctx, GroupManifest{Name: "payments", IntegrationFQN: "f"}, false)
			},
			method: "PUT", path: "/api/svc/v1/secret-groups",
			body: `{"manifest":{"type":"secret-group","name":"payments","integration_fqn":"f","collaborators":[]},"dryRun":false}`,
		},
		{
			name:    "get secret with value and versions",
			respond: `{"data":{"id":"s1","fqn":"acme:payments:DB_PASSWORD","name":"DB_PASSWORD","secretGroupId":"g1","value":"` + value + `","activeDeploymentsCount":2,"secretVersions":[{"id":"v1","fqn":"x:1","version":1,"value":"old"},{"id":"v2","fqn":"x:2","version":2.0,"createdAt":"2026-01-02T03:04:05Z"}]}}`,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.GetSecret(ctx, "s1") },
			method:  "GET", path: "/api/svc/v1/secrets/s1",
			check: func(t *testing.T, got any) {
				s := got.(Secret)
				if s.Value.Reveal() != value || s.Key != "DB_PASSWORD" || s.Version != 2 || len(s.Versions) != 2 || s.ActiveDeployments == nil || *s.ActiveDeployments != 2 {
					t.Errorf("secret = %+v (deployments %v)", s, s.ActiveDeployments)
				}
				if s.Versions[1].CreatedAt.IsZero() || s.Versions[0].ID != "v1" {
					t.Errorf("versions = %+v", s.Versions)
				}
			},
		},
		{
			name:    "get secret with value view disabled",
			respond: `{"data":{"id":"s1","fqn":"acme:payments:K","name":"K","secretGroupId":"g1"}}`,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.GetSecret(ctx, "s1") },
			method:  "GET", path: "/api/svc/v1/secrets/s1",
			check: func(t *testing.T, got any) {
				if s := got.(Secret); s.Value.IsSet() || s.ActiveDeployments != nil {
					t.Errorf("secret = %+v", s)
				}
			},
		},
		{
			name:    "delete secret bare number",
			respond: `1`,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.DeleteSecret(ctx, "s1", true) },
			method:  "DELETE", path: "/api/svc/v1/secrets/s1", query: "forceDelete=true",
			check: func(t *testing.T, got any) { checkCount(t, got, 1) },
		},
		{
			name:    "delete secret object",
			respond: `{"count":3}`,
			call:    func(ctx context.Context, c *Client) (any, error) { return c.DeleteSecret(ctx, "s1", false) },
			method:  "DELETE", path: "/api/svc/v1/secrets/s1",
			check: func(t *testing.T, got any) { checkCount(t, got, 3) },
		},
		{
			name:    "apply",
			respond: `{"action":"CREATE","existingManifest":{"name":"old"},"data":{}}`,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Apply(ctx, map[string]any{"type": "secret-group", "name": "payments"}, true)
			},
			method: "PUT", path: "/api/svc/v1/apply",
			body: `{"manifest":{"type":"secret-group","name":"payments"},"dryRun":true}`,
			check: func(t *testing.T, got any) {
				r := got.(ApplyResult)
				if r.Action != "CREATE" || string(r.ExistingManifest) != `{"name":"old"}` {
					t.Errorf("apply = %+v", r)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			key := testkit.Canary("canary-key-")
			f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) { writeJSON(w, 200, tc.respond) })
			var logs []string
			c, _ := testClient(t, f.URL, key, WithDebug(func(format string, args ...any) {
				logs = append(logs, fmtLine(format, args...))
			}))
			got, err := tc.call(context.Background(), c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != tc.method || r.Path != tc.path || r.Query != tc.query {
				t.Errorf("request = %s %s ? %s, want %s %s ? %s", r.Method, r.Path, r.Query, tc.method, tc.path, tc.query)
			}
			if h := r.Header.Get("Authorization"); h != "Bearer "+key {
				t.Errorf("Authorization = %q", h)
			}
			if h := r.Header.Get("User-Agent"); !strings.HasPrefix(h, "tfy-secrets/") {
				t.Errorf("User-Agent = %q", h)
			}
			if h := r.Header.Get("Accept"); h != "application/json" {
				t.Errorf("Accept = %q", h)
			}
			if tc.body == "" {
				if len(r.Body) != 0 || r.Header.Get("Content-Type") != "" {
					t.Errorf("unexpected body %q / content type %q", r.Body, r.Header.Get("Content-Type"))
				}
			} else {
				jsonEqual(t, r.Body, tc.body)
				if ct := r.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q", ct)
				}
			}
			if tc.check != nil {
				tc.check(t, got)
			}
			if len(logs) != 1 || !strings.Contains(logs[0], tc.method+" /api/svc/v1/") || !strings.Contains(logs[0], "-> 200") {
				t.Errorf("debug log = %q", logs)
			}
			assertNoLeak(t, []string{key, value}, logs...)
		})
	}
}

func checkName(t *testing.T, got any, want string) {
	t.Helper()
	if g := got.(SecretGroup); g.Name != want {
		t.Errorf("group name = %q, want %q", g.Name, want)
	}
}

func checkCount(t *testing.T, got any, want int) {
	t.Helper()
	if n := got.(int); n != want {
		t.Errorf("count = %d, want %d", n, want)
	}
}

// TestInputValidation refuses calls the API would reject, before any
// request, without echoing values.
func TestInputValidation(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) { writeJSON(w, 200, `{}`) })
	c, _ := testClient(t, f.URL, testKey)
	ctx := context.Background()
	v := secret.FromString("value-abc")
	checks := []struct {
		name string
		err  error
		want string
	}{
		{"get empty id", second(c.GetGroup(ctx, "")), "get secret group: empty id"},
		{"create no name", second(c.CreateGroup(ctx, CreateGroupInput{IntegrationID: "i"})), "empty group name"},
		{"create no integration", second(c.CreateGroup(ctx, CreateGroupInput{Name: "n"})), "empty integration id"},
		{"create empty key", second(c.CreateGroup(ctx, CreateGroupInput{Name: "n", IntegrationID: "i", Secrets: []SecretInput{{Value: v}}})), "secret 1 has an empty key"},
		{"create unset value", second(c.CreateGroup(ctx, CreateGroupInput{Name: "n", IntegrationID: "i", Secrets: []SecretInput{{Key: "K"}}})), `secret "K" has no value`},
		{"update empty id", second(c.UpdateGroup(ctx, "", nil)), "update secret group: empty id"},
		{"update empty key", second(c.UpdateGroup(ctx, "g", []SecretInput{{Value: v}})), "secret 1 has an empty key"},
		{"delete empty id", c.DeleteGroup(ctx, "", false), "delete secret group: empty id"},
		{"upsert no name", second(c.UpsertGroupManifest(ctx, GroupManifest{}, false)), "empty group name"},
		{"get secret empty id", second(c.GetSecret(ctx, "")), "get secret: empty id"},
		{"delete secret empty id", second(c.DeleteSecret(ctx, "", false)), "delete secret: empty id"},
		{"get dot id", second(c.GetGroup(ctx, ".")), `get secret group: "." is not an id`},
		{"update dot-dot id", second(c.UpdateGroup(ctx, "..", nil)), `update secret group: ".." is not an id`},
		{"delete dot id", c.DeleteGroup(ctx, ".", false), `delete secret group: "." is not an id`},
		{"get secret dot-dot id", second(c.GetSecret(ctx, "..")), `get secret: ".." is not an id`},
		{"delete secret dot id", second(c.DeleteSecret(ctx, ".", false)), `delete secret: "." is not an id`},
	}
	for _, ch := range checks {
		if ch.err == nil || !strings.Contains(ch.err.Error(), ch.want) {
			t.Errorf("%s: err = %v, want %q", ch.name, ch.err, ch.want)
		}
		assertNoLeak(t, []string{"value-abc"}, ch.err.Error())
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent for invalid input", n)
	}
}

func second[T any](_ T, err error) error { return err }

func TestNewValidatesBaseURLAndKey(t *testing.T) {
	t.Parallel()
	key := secret.FromString("k-123")
	bad := map[string]string{
		"":                             "empty",
		"   ":                          "empty",
		"example.com":                  "must start with https://",
		"ftp://example.com":            "must start with https://",
		"http://example.com":           "non-loopback",
		"http://10.0.0.1:80":           "non-loopback",
		"https://":                     "no host",
		"https://user:pw@example.com":  "user information",
		"https://example.com/?x=1":     "query or fragment",
		"https://example.com/#frag":    "query or fragment",
		"https://exa mple.com":         "not a valid URL",
		"http://[::1":                  "not a valid URL",
		"https://u:pw@exa mple.com":    "not a valid URL",
		"ftp://u:pw@example.com":       "user information",
		"https://example.com?token=pw": "query or fragment",
		"https://example.com?":         "query or fragment",
	}
	for raw, want := range bad {
		_, err := New(raw, key)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "new api client: ") {
			t.Errorf("New(%q) err = %v, want %q", raw, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("New(%q) error repeats the password: %v", raw, err)
		}
	}
	good := map[string]string{
		"https://acme.truefoundry.cloud":             "https://acme.truefoundry.cloud",
		"https://acme.truefoundry.cloud/":            "https://acme.truefoundry.cloud",
		"https://acme.truefoundry.cloud/api/svc":     "https://acme.truefoundry.cloud",
		"https://acme.truefoundry.cloud/api/svc/v1/": "https://acme.truefoundry.cloud",
		"https://example.com/tfy":                    "https://example.com/tfy",
		"http://127.0.0.1:8765":                      "http://127.0.0.1:8765",
		"http://localhost:1":                         "http://localhost:1",
		"http://[::1]:1":                             "http://[::1]:1",
	}
	for raw, want := range good {
		c, err := New(raw, key)
		if err != nil {
			t.Errorf("New(%q): %v", raw, err)
			continue
		}
		if c.BaseURL() != want {
			t.Errorf("New(%q).BaseURL() = %q, want %q", raw, c.BaseURL(), want)
		}
	}
	c, err := New("https://example.com", secret.FromString("k-canary-7f3a9"))
	if err != nil {
		t.Fatal(err)
	}
	assertNoLeak(t, []string{"k-canary-7f3a9"}, fmtLine("%v", c), fmtLine("%+v", c), fmtLine("%#v", c), fmtLine("%v", *c))
	for _, k := range []secret.Value{{}, secret.FromString(""), secret.FromString("abc\ndef"), secret.FromString("abc def")} {
		_, err := New("https://example.com", k)
		if err == nil {
			t.Errorf("New accepted key %q", k.Reveal())
			continue
		}
		assertNoLeak(t, []string{"abc"}, err.Error())
	}
}

func TestRedirectIsRefused(t *testing.T) {
	t.Parallel()
	key := testkit.Canary("canary-key-")
	var hits []string
	target := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		hits = append(hits, r.Header.Get("Authorization"))
		writeJSON(w, 200, `{"data":`+groupJSON+`}`)
	})
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		http.Redirect(w, r, target.URL+r.URL.Path, http.StatusFound)
	})
	c, _ := testClient(t, f.URL, key)
	_, err := c.GetGroup(context.Background(), "g1")
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusFound {
		t.Fatalf("err = %v, want a 302 *Error", err)
	}
	if len(hits) != 0 {
		t.Errorf("redirect was followed with Authorization %q", hits)
	}
}

func TestListSecretsRequestAndValues(t *testing.T) {
	t.Parallel()
	value := testkit.Canary("canary-value-")
	f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		writeJSON(w, 200, `{"data":[{"id":"s1","fqn":"acme:g:K","name":"K","secretGroupId":"g1","value":"`+value+`"}],"pagination":{"total":1}}`)
	})
	c, _ := testClient(t, f.URL, testKey)
	ctx := context.Background()
	for _, withValue := range []bool{true, false} {
		var got []Secret
		for s, err := range c.ListSecrets(ctx, ListSecretsOptions{GroupID: "g1", FQNs: []string{"tfy-secret://acme:g:K", "acme:g:L"}, WithValue: withValue, PageSize: 50}) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, s)
		}
		if len(got) != 1 || got[0].Key != "K" || got[0].Value.IsSet() != withValue {
			t.Fatalf("withValue=%v: got %+v", withValue, got)
		}
		if withValue && got[0].Value.Reveal() != value {
			t.Errorf("value not decoded")
		}
	}
	reqs := f.requests()
	if len(reqs) != 2 || reqs[0].Method != "POST" || reqs[0].Path != "/api/svc/v1/secrets" {
		t.Fatalf("requests = %+v", reqs)
	}
	jsonEqual(t, reqs[0].Body, `{"limit":50,"offset":0,"secretGroupId":"g1","secretFqns":["acme:g:K","acme:g:L"],"withValue":true}`)
	jsonEqual(t, reqs[1].Body, `{"limit":50,"offset":0,"secretGroupId":"g1","secretFqns":["acme:g:K","acme:g:L"],"withValue":false}`)
}

func TestListGroupsQuery(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		writeJSON(w, 200, `{"data":[],"pagination":{"total":0}}`)
	})
	c, _ := testClient(t, f.URL, testKey)
	for range c.ListGroups(context.Background(), ListGroupsOptions{Search: "pay ments&x", FQN: "acme:payments", PageSize: 5000}) {
		t.Fatal("no items expected")
	}
	reqs := f.requests()
	if len(reqs) != 1 || reqs[0].Method != "GET" || reqs[0].Path != "/api/svc/v1/secret-groups" {
		t.Fatalf("requests = %+v", reqs)
	}
	if want := "fqn=acme%3Apayments&limit=1000&offset=0&search=pay+ments%26x"; reqs[0].Query != want {
		t.Errorf("query = %q, want %q", reqs[0].Query, want)
	}
}

// pagedGroups serves n groups honouring limit/offset; total is reported
// unless hideTotal.
func pagedGroups(n int, hideTotal bool) func(w http.ResponseWriter, r *http.Request, _ []byte) {
	return func(w http.ResponseWriter, r *http.Request, _ []byte) {
		q := r.URL.Query()
		limit, offset := atoi(q.Get("limit")), atoi(q.Get("offset"))
		var b strings.Builder
		b.WriteString(`{"data":[`)
		for i := offset; i < min(offset+limit, n); i++ {
			if i > offset {
				b.WriteByte(',')
			}
			b.WriteString(`{"id":"g` + itoa(i) + `","fqn":"acme:group-` + itoa(i) + `"}`)
		}
		b.WriteString(`]`)
		if !hideTotal {
			b.WriteString(`,"pagination":{"total":` + itoa(n) + `,"offset":` + itoa(offset) + `,"limit":` + itoa(limit) + `}`)
		}
		b.WriteString(`}`)
		writeJSON(w, 200, b.String())
	}
}

func TestListGroupsPagination(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		n, size     int
		hideTotal   bool
		wantOffsets []string
	}{
		{"exact pages with total", 6, 3, false, []string{"0", "3"}},
		{"short last page with total", 7, 3, false, []string{"0", "3", "6"}},
		{"exact pages without total needs an empty page", 6, 3, true, []string{"0", "3", "6"}},
		{"short page without total stops", 5, 3, true, []string{"0", "3"}},
		{"empty", 0, 3, false, []string{"0"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeAPI(t, pagedGroups(tc.n, tc.hideTotal))
			c, _ := testClient(t, f.URL, testKey)
			var names []string
			for g, err := range c.ListGroups(context.Background(), ListGroupsOptions{PageSize: tc.size}) {
				if err != nil {
					t.Fatal(err)
				}
				names = append(names, g.Name)
			}
			if len(names) != tc.n {
				t.Fatalf("got %d groups, want %d: %v", len(names), tc.n, names)
			}
			for i, n := range names {
				if n != "group-"+itoa(i) {
					t.Errorf("group %d name = %q (name from fqn)", i, n)
				}
			}
			var offsets []string
			for _, r := range f.requests() {
				offsets = append(offsets, queryValue(r.Query, "offset"))
				if l := queryValue(r.Query, "limit"); l != itoa(tc.size) {
					t.Errorf("limit = %s", l)
				}
			}
			if !slices.Equal(offsets, tc.wantOffsets) {
				t.Errorf("offsets = %v, want %v", offsets, tc.wantOffsets)
			}
		})
	}
}

func TestListGroupsIsLazy(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, pagedGroups(100, false))
	c, _ := testClient(t, f.URL, testKey)
	n := 0
	for _, err := range c.ListGroups(context.Background(), ListGroupsOptions{PageSize: 10}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 15 {
			break
		}
	}
	if got := len(f.requests()); got != 2 {
		t.Errorf("breaking after 15 items made %d requests, want 2", got)
	}
}

func TestListGroupsDetectsIgnoredOffset(t *testing.T) {
	t.Parallel()
	f := newFakeAPI(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		writeJSON(w, 200, `{"data":[{"id":"a"},{"id":"b"}]}`)
	})
	c, _ := testClient(t, f.URL, testKey)
	var errs []error
	n := 0
	for _, err := range c.ListGroups(context.Background(), ListGroupsOptions{PageSize: 2}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	if n != 2 || len(errs) != 1 || !strings.Contains(errs[0].Error(), `ignores "offset"`) {
		t.Errorf("items %d, errs %v", n, errs)
	}
}

func TestListGroupsErrorMidWalk(t *testing.T) {
	t.Parallel()
	pages := pagedGroups(10, false)
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, b []byte) {
		if r.URL.Query().Get("offset") == "5" {
			writeJSON(w, 403, `{"statusCode":403,"message":"no access"}`)
			return
		}
		pages(w, r, b)
	})
	c, _ := testClient(t, f.URL, testKey)
	var items int
	var errs []error
	for _, err := range c.ListGroups(context.Background(), ListGroupsOptions{PageSize: 5}) {
		if err != nil {
			errs = append(errs, err)
		} else {
			items++
		}
	}
	if items != 5 || len(errs) != 1 || !errors.Is(errs[0], ErrForbidden) {
		t.Errorf("items %d, errs %v", items, errs)
	}
}

func TestSecretStoreIntegrations(t *testing.T) {
	t.Parallel()
	integrations := `{"data":[
	 {"id":"i1","name":"sm","fqn":"acme:aws:prod:secret-store:sm","type":"secret-store","providerAccountFqn":"acme:aws:prod",
	  "manifest":{"type":"integration/secret-store/aws/secrets-manager","region":"eu-west-1","auth_data":{"access_key_id":"AKIA-canary"}},
	  "providerAccount":{"name":"prod","provider":"aws"}},
	 {"id":"i2","name":"blob","type":"blob-storage","manifest":{"type":"integration/blob-storage/aws/s3"}},
	 {"id":"i3","name":"kv","fqn":"acme:azure:main:secret-store:kv","type":"integration/secret-store/azure/vault","manifest":{"key_vault_name":"kv1"}}
	],"pagination":{"total":3}}`
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { writeJSON(w, 200, integrations) })
	c, _ := testClient(t, f.URL, testKey)
	got, err := c.SecretStoreIntegrations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %+v", got)
	}
	aws, az := got[0], got[1]
	if aws.ID != "i1" || aws.Type != "integration/secret-store/aws/secrets-manager" || aws.Provider != "aws" || aws.AccountName != "prod" || aws.Category != "secret-store" || aws.Config["region"] != "eu-west-1" {
		t.Errorf("aws = %+v", aws)
	}
	if _, leaked := aws.Config["auth_data"]; leaked || len(aws.Config) != 1 {
		t.Errorf("config copied credentials: %v", aws.Config)
	}
	if az.Provider != "azure" || az.AccountName != "main" || az.Type != "integration/secret-store/azure/vault" || az.Config["key_vault_name"] != "kv1" {
		t.Errorf("azure = %+v", az)
	}
	reqs := f.requests()
	if len(reqs) != 1 || reqs[0].Path != "/api/svc/v1/provider-integrations" || reqs[0].Query != "limit=1000&offset=0&type=secret-store" {
		t.Errorf("requests = %+v", reqs)
	}
}

func TestSecretStoreIntegrationsFallsBackToProviderAccounts(t *testing.T) {
	t.Parallel()
	accounts := `{"data":[
	 {"id":"a1","name":"gcp-main","fqn":"acme:gcp:gcp-main","manifest":{"type":"provider-account/gcp"},
	  "integrations":[{"id":"i1","fqn":"acme:gcp:gcp-main:secret-store:secrets","manifest":{"name":"secrets","type":"integration/secret-store/gcp/gsm"}},
	                  {"id":"i2","name":"reg","type":"integration/docker-registry/gcp/gcr"}]},
	 {"id":"a2","name":"openai","provider":"openai","integrations":[{"id":"m","name":"gpt","type":"integration/model/openai"}]}
	],"pagination":{"total":2}}`
	f := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.URL.Path == "/api/svc/v1/provider-integrations" {
			writeJSON(w, 404, `{"message":"Cannot GET /api/svc/v1/provider-integrations"}`)
			return
		}
		writeJSON(w, 200, accounts)
	})
	c, _ := testClient(t, f.URL, testKey)
	got, err := c.SecretStoreIntegrations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != "i1" || got[0].Name != "secrets" || got[0].Provider != "gcp" || got[0].AccountName != "gcp-main" || got[0].Type != "integration/secret-store/gcp/gsm" {
		t.Fatalf("got %+v", got)
	}
	reqs := f.requests()
	if len(reqs) != 2 || reqs[1].Path != "/api/svc/v1/provider-accounts" || reqs[1].Query != "limit=1000&offset=0" {
		t.Errorf("requests = %+v", reqs)
	}
}
