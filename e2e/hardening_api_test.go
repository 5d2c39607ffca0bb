package e2e

import (
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
)

// jwtKey is an API key shaped like TrueFoundry's: a JWT whose claims name
// the tenant and the user. The emulator accepts any token it was given.
func jwtKey(claims map[string]string) string {
	seg := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	claims["jti"] = testkit.Canary("")
	return seg(map[string]string{"alg": "none"}) + "." + seg(claims) + ".c2ln"
}

type authStatusJSON struct {
	Host           string `json:"host"`
	Tenant         string `json:"tenant"`
	TenantSource   string `json:"tenant_source"`
	KeySource      string `json:"key_source"`
	Key            string `json:"key"`
	User           string `json:"user"`
	KeyCheck       string `json:"key_check"`
	KeyCheckDetail string `json:"key_check_detail"`
}

func authStatus(t *testing.T, u *user) authStatusJSON {
	t.Helper()
	r := u.run("", "auth", "status", "-o", "json")
	if r.code != 0 {
		t.Fatalf("auth status must answer even when the key does not work: %v", r)
	}
	var st authStatusJSON
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatalf("%v: %v", r, err)
	}
	return st
}

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// TestAuthStatusSaysWhetherTheKeyWorks (issue 11, item 12): whose key it is,
// whether the host accepts it, and still an answer when it cannot be asked.
func TestAuthStatusSaysWhetherTheKeyWorks(t *testing.T) {
	t.Parallel()
	ada := jwtKey(map[string]string{"tenantName": "demo", "username": "ada"})
	e := startEmulator(t, "--api-key", ada+":admin")

	u := newUser(t, e)
	u.env["TFY_API_KEY"] = ada
	if st := authStatus(t, u); st.KeyCheck != "valid" || st.User != "ada" || st.Tenant != "demo" || st.TenantSource != "key" || st.Key != "(set)" {
		t.Errorf("working JWT key: %+v", st)
	}
	table := u.must("", "auth", "status").stdout
	for _, want := range []string{"User:        ada", "Key check:   valid", "Tenant:      demo (from the API key)"} {
		if !strings.Contains(table, want) {
			t.Errorf("auth status lacks %q:\n%s", want, table)
		}
	}

	// A plain key names nobody; the tenant then comes from the API.
	plain := newUser(t, e)
	if st := authStatus(t, plain); st.KeyCheck != "valid" || st.User != "" || st.Tenant != "demo" || st.TenantSource != "api" {
		t.Errorf("working plain key: %+v", st)
	}

	stranger := newUser(t, e)
	stranger.env["TFY_API_KEY"] = jwtKey(map[string]string{"tenantName": "demo", "username": "mallory"})
	if st := authStatus(t, stranger); st.KeyCheck != "rejected" || !strings.Contains(st.KeyCheckDetail, "rejected the API key (401 Unauthorized)") || st.User != "mallory" {
		t.Errorf("rejected key: %+v", st)
	}

	offline := newUser(t, e)
	offline.env["TFY_API_KEY"] = ada
	addr := closedPort(t)
	offline.env["TFY_BASE_URL"] = "http://" + addr
	if st := authStatus(t, offline); st.KeyCheck != "unverified" || st.KeyCheckDetail != addr+" refused the connection" || st.Tenant != "demo" || st.User != "ada" {
		t.Errorf("offline: %+v", st)
	}
}

// TestLoginWithARejectedKey (item 12): the error says the host refused the
// key and where keys are made, not "run auth login" again.
func TestLoginWithARejectedKey(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	delete(u.env, "TFY_API_KEY")
	r := u.run(testkit.Canary("not-a-key-")+"\n", "auth", "login", "--host", e.url, "--with-token")
	host := strings.TrimPrefix(e.url, "http://")
	if r.code != 3 || !strings.Contains(r.stderr, "error: login: "+host+" rejected the API key (401 Unauthorized); nothing was stored") ||
		!strings.Contains(r.stderr, "Access > Personal Access Tokens") || strings.Contains(r.stderr, "auth login") {
		t.Errorf("%v", r)
	}
}

// TestNetErrors (item 13): configuration problems name
// the host and point at --host / TFY_BASE_URL; "retry later" is for what
// time can fix.
func TestNetErrors(t *testing.T) {
	// Short test names: t.TempDir is TMPDIR, where the plugin's socket goes,
	// and a unix socket path has room for about 100 bytes.
	t.Parallel()
	e := startEmulator(t)
	emuHost := strings.TrimPrefix(e.url, "http://")
	untrusted := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		t.Error("a request reached a server whose certificate is not trusted")
	}))
	t.Cleanup(untrusted.Close)
	tlsHost := strings.TrimPrefix(untrusted.URL, "https://")
	closed := closedPort(t)

	cases := []struct {
		name  string
		base  string
		msg   string
		retry bool
	}{
		{"refused", "http://" + closed, closed + " refused the connection", false},
		{"http", "https://" + emuHost, emuHost + " did not answer in TLS to an https:// request (it may serve plain HTTP)", false},
		{"tls", untrusted.URL, "the TLS certificate of " + tlsHost + " is not trusted (tls: failed to verify certificate: x509:", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			u := newUser(t, e)
			u.env["TFY_BASE_URL"] = c.base
			r := u.run("", "group", "list")
			if r.code != 9 || !strings.Contains(r.stderr, c.msg) || !strings.Contains(r.stderr, "hint: check --host or TFY_BASE_URL") {
				t.Errorf("want exit 9 with %q and the --host hint: %v", c.msg, r)
			}
			if strings.Contains(r.stderr, "retry later") != c.retry {
				t.Errorf("\"retry later\" shown = %v, want %v: %v", !c.retry, c.retry, r)
			}
		})
	}

	t.Run("5xx", func(t *testing.T) {
		e := startEmulator(t)
		e.control(t, "POST", "/_emulator/faults", map[string]any{"status": 503, "count": 0})
		u := newUser(t, e)
		r := u.run("", "group", "list")
		host := strings.TrimPrefix(e.url, "http://")
		if r.code != 9 || !strings.Contains(r.stderr, "TrueFoundry at "+host+" is unavailable (503 Service Unavailable") || !strings.Contains(r.stderr, "retry later") {
			t.Errorf("%v", r)
		}
	})
}

// TestEndlessResponseIsCut (item 7): a server that streams a JSON array
// forever gets an error at the cap, not a plugin that grows without bound.
func TestEndlessResponseIsCut(t *testing.T) {
	t.Parallel()
	chunk := []byte(strings.Repeat(`{"id":"g","name":"n","associatedSecrets":[]},`, 1000))
	hostile := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, err := w.Write([]byte(`{"data":[`))
		for err == nil && r.Context().Err() == nil {
			_, err = w.Write(chunk)
		}
	}))
	t.Cleanup(hostile.Close)
	u := newUser(t, nil)
	u.env["TFY_BASE_URL"] = hostile.URL
	u.env["TFY_API_KEY"] = "any-key"
	r := u.run("", "group", "list")
	host := strings.TrimPrefix(hostile.URL, "http://")
	if r.code != 9 || !strings.Contains(r.stderr, host+" sent an answer over 128 MiB, far more than any real one; stopped reading") {
		t.Errorf("%v", r)
	}
}

// TestTenantGuessIsLabelled (item 24): when neither the key nor the API
// names the tenant, auth status says the host name's label is a guess.
func TestTenantGuessIsLabelled(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	e.control(t, "POST", "/_emulator/faults", map[string]any{"method": "GET", "pathPrefix": "/api/svc/v1/tenant-id", "status": 404, "count": 0})
	u := newUser(t, e)
	u.env["TFY_BASE_URL"] = strings.Replace(e.url, "127.0.0.1", "localhost", 1)
	st := authStatus(t, u)
	if st.Tenant != "localhost" || st.TenantSource != "host" || st.KeyCheck != "valid" {
		t.Errorf("status = %+v, want the guess labelled", st)
	}
	if out := u.must("", "auth", "status").stdout; !strings.Contains(out, "localhost (a guess from the host name") {
		t.Errorf("table does not label the guess:\n%s", out)
	}
}

// TestIntegrationByName (item 14): the NAME column of integration list is
// accepted by --integration when it is unambiguous.
func TestIntegrationByName(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	u.env["E2E_VALUE"] = testkit.Canary("v-")
	u.must("", "group", "create", "by-name", "--integration", "gsm", "--from-env", "DB=E2E_VALUE", "--yes")
	out := u.must("", "group", "get", "by-name").stdout
	if !strings.Contains(out, "gcp/gsm") {
		t.Errorf("the group is not on the gsm store:\n%s", out)
	}
	r := u.run("", "group", "create", "by-other", "--integration", "ecr", "--from-env", "DB=E2E_VALUE", "--yes")
	if r.code != 5 || !strings.Contains(r.stderr, `integration "ecr" not found or is not a secret store`) {
		t.Errorf("a docker registry's name: %v", r)
	}
}

// TestSecretGivenAsAGroupName (item 15): SECRET is GROUP:KEY, and the
// error says so when a group's name is given alone.
func TestSecretGivenAsAGroupName(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	u.env["E2E_VALUE"] = testkit.Canary("v-")
	u.must("", "group", "create", "demo-app", "--provider", "gcp", "--from-env", "DB=E2E_VALUE", "--yes")
	r := u.run("", "secret", "get", "demo-app")
	if r.code != 5 || !strings.Contains(r.stderr, "SECRET is GROUP:KEY") || !strings.Contains(r.stderr, "tfy-secrets secret get demo-app:KEY") {
		t.Errorf("%v", r)
	}
}

// TestOneVersionNumberEverywhere (item 21): group get, secret get
// GROUP:KEY, secret get ID and secret versions agree on a key's version,
// before and after a rotation.
func TestOneVersionNumberEverywhere(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	u.env["V1"], u.env["V2"] = testkit.Canary("v1-"), testkit.Canary("v2-")
	u.must("", "group", "create", "ver-app", "--provider", "gcp", "--from-env", "DB=V1", "--from-env", "API=V1", "--yes")
	check := func(want map[string]int) {
		t.Helper()
		var detail struct {
			Secrets []struct {
				Key     string `json:"key"`
				ID      string `json:"id"`
				Version int    `json:"version"`
			} `json:"secrets"`
		}
		if err := json.Unmarshal([]byte(u.must("", "group", "get", "ver-app", "-o", "json").stdout), &detail); err != nil {
			t.Fatal(err)
		}
		for _, s := range detail.Secrets {
			got := map[string]int{"group get": s.Version}
			for name, ref := range map[string]string{"secret get GROUP:KEY": "ver-app:" + s.Key, "secret get ID": s.ID} {
				var one struct {
					Secret struct {
						Version int `json:"version"`
					} `json:"secret"`
				}
				if err := json.Unmarshal([]byte(u.must("", "secret", "get", ref, "-o", "json").stdout), &one); err != nil {
					t.Fatal(err)
				}
				got[name] = one.Secret.Version
			}
			var vs struct {
				Versions []struct {
					Version int `json:"version"`
				} `json:"versions"`
			}
			if err := json.Unmarshal([]byte(u.must("", "secret", "versions", "ver-app:"+s.Key, "-o", "json").stdout), &vs); err != nil {
				t.Fatal(err)
			}
			top := 0
			for _, v := range vs.Versions {
				top = max(top, v.Version)
			}
			got["secret versions"] = top
			for name, v := range got {
				if v != want[s.Key] {
					t.Errorf("%s: %s says version %d, want %d (all: %v)", s.Key, name, v, want[s.Key], got)
				}
			}
		}
	}
	check(map[string]int{"DB": 1, "API": 1})
	u.must("", "group", "update", "ver-app", "--from-env", "DB=V2", "--yes")
	check(map[string]int{"DB": 2, "API": 1})
}
