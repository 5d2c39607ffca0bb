package credentials

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/secret"
)

func TestNormalizeHost(t *testing.T) {
	t.Parallel()
	ok := map[string]string{
		"https://acme.truefoundry.cloud":     "https://acme.truefoundry.cloud",
		"https://acme.truefoundry.cloud/":    "https://acme.truefoundry.cloud",
		" HTTPS://Acme.TrueFoundry.cloud// ": "https://acme.truefoundry.cloud",
		"https://acme.example.com:8443/tfy/": "https://acme.example.com:8443/tfy",
		"http://127.0.0.1:8765":              "http://127.0.0.1:8765",
		"http://127.9.9.9":                   "http://127.9.9.9",
		"http://localhost:1/":                "http://localhost:1",
		"http://LOCALHOST":                   "http://localhost",
		"http://[::1]:8080":                  "http://[::1]:8080",
		"https://[2001:db8::1]":              "https://[2001:db8::1]",
		"https://10.0.0.1":                   "https://10.0.0.1",
	}
	for in, want := range ok {
		got, err := NormalizeHost(in)
		if err != nil || got != want {
			t.Errorf("NormalizeHost(%q) = %q, %v; want %q", in, got, err, want)
		}
		// Normalising twice changes nothing: the keyring entry name is stable.
		if again, err := NormalizeHost(got); err != nil || again != got {
			t.Errorf("NormalizeHost(%q) not idempotent: %q, %v", got, again, err)
		}
	}
	bad := map[string]string{
		"":                               "empty",
		"   ":                            "empty",
		"acme.truefoundry.cloud":         "needs a scheme",
		"localhost:8765":                 "needs a scheme",
		"//acme.example.com":             "needs a scheme",
		"ftp://acme.example.com":         "not http or https",
		"http://acme.example.com":        "only for loopback",
		"http://10.0.0.1":                "only for loopback",
		"http://localhost.evil.com":      "only for loopback",
		"http://127.0.0.1.nip.io":        "only for loopback",
		"https://acme.example.com?x=1":   "query",
		"https://acme.example.com/#frag": "fragment",
		"https://acme.example.com/?":     "query",
		"https://:443":                   "no host name",
		"https://a b.com":                "not a valid URL",
		"https://acme.example.com/a/../": "..",
	}
	for in, want := range bad {
		_, err := NormalizeHost(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("NormalizeHost(%q) error = %v, want %q", in, err, want)
		}
	}
}

// user:password in a URL is refused without ever being repeated.
func TestNormalizeHostNeverQuotesUserInfo(t *testing.T) {
	t.Parallel()
	const canary = "CANARYpw55"
	for _, in := range []string{
		"https://u:" + canary + "@acme.example.com",
		"u:" + canary + "@acme.example.com",
		"https://" + canary + "@acme.example.com",
		"http://u:" + canary + "@[::1",
		"%zz:" + canary + "@x",
	} {
		_, err := NormalizeHost(in)
		if err == nil || strings.Contains(err.Error(), canary) {
			t.Errorf("NormalizeHost(%q) error = %v", in, err)
		}
	}
}

func jwtWith(t testing.TB, claims any) string {
	t.Helper()
	seg := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return seg(map[string]string{"alg": "HS256", "typ": "JWT"}) + "." + seg(claims) + ".c2ln"
}

func TestTenantFromKey(t *testing.T) {
	t.Parallel()
	tenant, err := TenantFromKey(secret.FromString(jwtWith(t, map[string]any{"tenantName": "demo", "exp": 4102444800})))
	if err != nil || tenant != "demo" {
		t.Fatalf("TenantFromKey = %q, %v", tenant, err)
	}
	padded := jwtWith(t, map[string]any{"tenantName": "demo2"})
	parts := strings.Split(padded, ".")
	for len(parts[1])%4 != 0 {
		parts[1] += "="
	}
	if tenant, err := TenantFromKey(secret.FromString(strings.Join(parts, "."))); err != nil || tenant != "demo2" {
		t.Fatalf("padded payload: %q, %v", tenant, err)
	}

	for _, claims := range []any{map[string]any{}, map[string]any{"tenantName": nil}, map[string]any{"tenantName": ""}} {
		if _, err := TenantFromKey(secret.FromString(jwtWith(t, claims))); !errors.Is(err, ErrNoTenantClaim) {
			t.Errorf("claims %v: err = %v, want ErrNoTenantClaim", claims, err)
		}
	}

	const canary = "CANARYjwt1x"
	bad := map[string]string{
		canary:                "1 dot-separated parts, want 3",
		canary + "." + canary: "2 dot-separated parts",
		"a." + canary + "!.c": "not base64url",
		"a." + base64.RawURLEncoding.EncodeToString([]byte(canary)) + ".c": "not a JSON object",
		"a." + base64.RawURLEncoding.EncodeToString([]byte("null")) + ".c": "not a JSON object",
		jwtWith(t, map[string]any{"tenantName": 7, "x": canary}):           "not a string",
		jwtWith(t, map[string]any{"tenantName": "a:b", "x": canary}):       "not allowed",
		strings.Repeat(canary, 2000):                                       "longer than",
	}
	for in, want := range bad {
		_, err := TenantFromKey(secret.FromString(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error = %v, want %q", err, want)
		}
		if err != nil && strings.Contains(err.Error(), canary) {
			t.Errorf("error leaks the key: %v", err)
		}
	}
}

func FuzzNormalizeHost(f *testing.F) {
	for _, s := range []string{
		"https://acme.truefoundry.cloud/", "http://127.0.0.1:8765", "http://[::1]", "acme", "https://u:p@x", "http://x",
		"https://x?y", "HTTPS://X//", "https://[::1", "https://%41",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := NormalizeHost(in)
		if err != nil {
			if strings.Contains(in, "@") && err.Error() != errUserInfo.Error() {
				t.Fatalf("URL with @ got %v, want the fixed message that quotes nothing", err)
			}
			return
		}
		if !strings.HasPrefix(got, "https://") && !strings.HasPrefix(got, "http://") || strings.HasSuffix(got, "/") {
			t.Fatalf("NormalizeHost(%q) = %q", in, got)
		}
		again, err := NormalizeHost(got)
		if err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", in, got, again, err)
		}
	})
}

func FuzzTenantFromKey(f *testing.F) {
	f.Add(jwtWith(f, map[string]any{"tenantName": "demo"}))
	f.Add("a.b.c")
	f.Add("..")
	f.Add("a.bnVsbA.c")
	f.Add("x")
	f.Fuzz(func(t *testing.T, key string) {
		tenant, err := TenantFromKey(secret.FromString(key))
		if err != nil {
			if tenant != "" {
				t.Fatal("tenant returned with an error")
			}
			// The error is a fixed description: no part of a long key leaks.
			if len(key) >= 8 && strings.Contains(err.Error(), key) {
				t.Fatalf("error contains the key: %v", err)
			}
			return
		}
		if tenant == "" || strings.ContainsAny(tenant, ":/ \t\r\n") {
			t.Fatalf("bad tenant %q", tenant)
		}
	})
}
