package service

import (
	"context"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

const saasHost = "https://app.truefoundry.com"

func refusedErr() error {
	return &APIError{Op: "list secret groups", Host: "app.truefoundry.com",
		Err: &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, Kind: ErrUnavailable, Cause: ErrConnectionRefused}
}

// A key the host rejects at login is reported as just that, with where keys
// are made; "run auth login" would only repeat the command just run.
func TestLoginRejectedKeySaysWhereKeysAreMade(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.api.failOn["Ping"] = &APIError{Op: "list secret groups", Host: "demo.truefoundry.cloud", Status: 401, Message: "Invalid API key", Kind: ErrUnauthorized, Detail: "401 Unauthorized: " + "Invalid API key"}
	_, err := h.svc.Login(context.Background(), plugin.LoginRequest{Call: call(), Key: change("K", "tfy-typed-key").Value})
	e := failure.As(err)
	if e.Kind != failure.Unauthorized || e.Message != "demo.truefoundry.cloud rejected the API key (401 Unauthorized); nothing was stored" {
		t.Errorf("message = %s %q", e.Kind, e.Message)
	}
	if !strings.Contains(e.Hint, "Access > Personal Access Tokens") || strings.Contains(e.Hint, "auth login") {
		t.Errorf("hint = %q, want where keys are created and no \"auth login\"", e.Hint)
	}
	if len(h.creds.keyring) != 0 {
		t.Error("a rejected key was stored")
	}
}

func TestLoginReportsWhoAndWhichTenant(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.creds.user, h.creds.tenant = "ada", "acme"
	st, err := h.svc.Login(context.Background(), plugin.LoginRequest{Call: call(), Key: change("K", "tfy-typed-key").Value})
	if err != nil || st.User != "ada" || st.Tenant != "acme" || st.TenantSource != plugin.TenantFromKey || st.KeyCheck != plugin.KeyValid {
		t.Fatalf("login = %+v, %v", st, err)
	}
}

// auth status checks the key and says as whom; when the host cannot be
// asked it still answers, saying why the key was not checked.
func TestStatusChecksTheKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		ping   error
		check  plugin.KeyCheck
		detail string
	}{
		{"valid", nil, plugin.KeyValid, ""},
		{"rejected", &APIError{Op: "list secret groups", Host: "app.truefoundry.com", Status: 401, Kind: ErrUnauthorized, Detail: "401 Unauthorized"}, plugin.KeyRejected, "app.truefoundry.com rejected the API key (401 Unauthorized)"},
		{"forbidden", &APIError{Op: "list secret groups", Host: "app.truefoundry.com", Status: 403, Kind: ErrForbidden, Detail: "403 Forbidden"}, plugin.KeyValid, "the key may not list secret groups"},
		{"offline", refusedErr(), plugin.KeyUnverified, "app.truefoundry.com refused the connection"},
		{"5xx", &APIError{Op: "list secret groups", Host: "app.truefoundry.com", Status: 502, Kind: ErrUnavailable, Detail: "502 Bad Gateway"}, plugin.KeyUnverified, "TrueFoundry at app.truefoundry.com is unavailable (502 Bad Gateway)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness()
			h.creds.base, h.creds.user, h.creds.tenant = saasHost, "ada@example.com", "acme"
			if tt.ping != nil {
				h.api.failOn["Ping"] = tt.ping
			}
			st, err := h.svc.GetAuthStatus(context.Background(), call())
			if err != nil {
				t.Fatalf("status failed: %v", err)
			}
			if st.KeyCheck != tt.check || st.KeyCheckDetail != tt.detail || st.User != "ada@example.com" || st.Host != saasHost {
				t.Errorf("status = %+v, want check %s %q", st, tt.check, tt.detail)
			}
		})
	}
}

// On the shared SaaS host the first DNS label ("app") is not a tenant: the
// API is asked first, and a guess is labelled as one.
func TestTenantOnTheSharedHost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		keyTenant  string
		apiTenant  string
		apiErr     error
		want       string
		source     plugin.TenantSource
		apiAsked   bool
		refFails   bool
		refHintHas string
	}{
		{"the key's claim first", "acme", "other", nil, "acme", plugin.TenantFromKey, false, false, ""},
		{"then the API", "", "acme", nil, "acme", plugin.TenantFromAPI, true, false, ""},
		{"then a guess", "", "", &APIError{Op: "get tenant name", Status: 404, Kind: ErrNotFound, Detail: "404 Not Found"}, "app", plugin.TenantFromHost, true, true, "tfy-secret://app:app-secrets:DB"},
		{"offline, a guess", "", "", refusedErr(), "app", plugin.TenantFromHost, true, true, "if app is your tenant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness()
			h.creds.base, h.creds.tenant, h.api.apiTenant = saasHost, tt.keyTenant, tt.apiTenant
			if tt.apiErr != nil {
				h.api.failOn["TenantName"] = tt.apiErr
			}
			st, err := h.svc.GetAuthStatus(context.Background(), call())
			if err != nil || st.Tenant != tt.want || st.TenantSource != tt.source {
				t.Fatalf("status = %+v, %v; want tenant %q from %s", st, err, tt.want, tt.source)
			}
			if asked := h.api.callCount("TenantName") > 0; asked != tt.apiAsked {
				t.Errorf("tenant-id asked = %v, want %v", asked, tt.apiAsked)
			}

			// A group the API describes without a tenant (a server that
			// leaves tenantName and fqn out) needs the same fallback.
			h.api.tenant, h.api.noTenant = tt.want, true
			h.api.add("app-secrets", map[string]string{"DB": "x"})
			ref, err := h.svc.MakeRef(context.Background(), plugin.RefRequest{Call: call(), Group: "app-secrets", Key: "DB"})
			if !tt.refFails {
				if err != nil || ref != "tfy-secret://"+tt.want+":app-secrets:DB" {
					t.Errorf("ref = %q, %v", ref, err)
				}
				return
			}
			e := failure.As(err)
			if err == nil || e.Kind != failure.Config || !strings.Contains(e.Message, `only suggests "app"`) || !strings.Contains(e.Hint, tt.refHintHas) {
				t.Errorf("ref with a guessed tenant = %q, %s %q hint %q", ref, e.Kind, e.Message, e.Hint)
			}
		})
	}
}

// The tenant lookup happens once per call, however many lookups need it.
func TestTenantLookedUpOncePerCall(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.creds.base, h.api.apiTenant = saasHost, "acme"
	h.api.tenant = "acme"
	h.api.add("app-secrets", map[string]string{"DB": "x"})
	if _, err := h.svc.GetSecret(context.Background(), plugin.SecretRequest{Call: call(), Secret: "app-secrets:DB"}); err != nil {
		t.Fatal(err)
	}
	if n := h.api.callCount("TenantName"); n != 1 {
		t.Errorf("tenant-id asked %d times, want 1", n)
	}
	if n := h.api.callCount("GroupByFQN"); n != 1 {
		t.Errorf("GroupByFQN called %d times: the name was not looked up in the API's tenant", n)
	}
}

func TestLogoutSaysWhichHost(t *testing.T) {
	t.Parallel()
	h := newHarness()
	st, err := h.svc.Logout(context.Background(), plugin.Call{Host: "https://acme.truefoundry.cloud"})
	if err != nil || st.Host != "https://acme.truefoundry.cloud" || st.HostSource != "flag" {
		t.Fatalf("logout = %+v, %v", st, err)
	}
}
