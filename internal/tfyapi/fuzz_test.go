package tfyapi

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// The fuzz targets drive every decoder of API responses with arbitrary
// bytes. Beyond "never panics" each checks an invariant a bug would break.

func FuzzDecodeGroup(f *testing.F) {
	f.Add([]byte(`{"data":` + groupJSON + `}`))
	f.Add([]byte(`{"data":{"manifest":{"name":"b"},"fqn":"t:c","id":7}}`))
	f.Add([]byte(`{"data":{"createdAt":"2026-01-02T03:04:05.5"}}`))
	f.Add([]byte(`{"data":[]}`))
	f.Add([]byte(`{"data":{"associatedSecrets":[{"value":"v","secretVersions":[{"version":"2"}]}]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := decodeGroup(bytes.NewReader(b), "get secret group")
		if err != nil {
			checkDecodeError(t, err, "get secret group")
			return
		}
		for _, s := range g.Secrets {
			if s.Value.IsSet() {
				t.Fatal("a group's secret carries a value")
			}
		}
	})
}

func FuzzDecodeGroupList(f *testing.F) {
	f.Add([]byte(`{"data":[` + groupJSON + `],"pagination":{"total":1,"offset":0,"limit":100}}`))
	f.Add([]byte(`{"data":[],"pagination":{"total":"0"}}`))
	f.Add([]byte(`{"pagination":{"total":1}}`))
	f.Add([]byte(`{"data":[{"id":1},{"id":"2"}]}`))
	f.Add([]byte(`{"DATA":[{"ID":"a","Fqn":"t:x","associatedſecrets":[{"ſecretGroupId":"g","\u004bey":"k"}]}]}`))
	f.Add([]byte(`{"data":[{"associatedSecrets":[{"value":"v1"},{"value":null}],"associatedSecrets":[{"value":"v2"}]}]}`))
	f.Add([]byte(`{"data":[{"associatedSecrets":[{"value":"\u00e9\ud800","secretVersions":[{"version":"2","createdAt":null}]}]}]}`))
	f.Add([]byte(`{"data":[{"id":7,"name":-1.5e3,"createdAt":"2026-01-02 03:04:05","activeDeploymentsCount":2}]}`))
	f.Add([]byte(`{"data":[{"manifest":"m"}],"pagination":{"total":1e400}}`))
	f.Add(groupPage(0, 2, 2))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodePage[wireGroup](bytes.NewReader(b), "list secret groups")
		if err != nil {
			checkDecodeError(t, err, "list secret groups")
			return
		}
		for i := range p.items {
			g := p.items[i].group()
			if g.Name == "" && g.FQN != "" && !strings.HasSuffix(g.FQN, ":") {
				t.Fatalf("name not derived from fqn %q", g.FQN)
			}
			for _, s := range g.Secrets {
				if s.Value.IsSet() {
					t.Fatal("a listed group's secret carries a value")
				}
			}
		}
	})
}

func FuzzDecodeSecret(f *testing.F) {
	f.Add([]byte(`{"data":{"id":"s1","fqn":"t:g:K","name":"K","secretGroupId":"g","value":"v","secretVersions":[{"id":"1","fqn":"f","version":1.0}],"activeDeploymentsCount":0}}`))
	f.Add([]byte(`{"data":{"value":null}}`))
	f.Add([]byte(`{"data":{"value":12}}`))
	f.Add([]byte(`{"data":{"secretVersions":[{"version":1e99}]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeSecret(bytes.NewReader(b), "get secret")
		if err != nil {
			checkDecodeError(t, err, "get secret")
			return
		}
		checkVersions(t, s)
	})
}

func FuzzDecodeSecretList(f *testing.F) {
	f.Add([]byte(`{"data":[{"id":"s1","name":"K","value":"v"}],"pagination":{"total":1}}`))
	f.Add([]byte(`{"data":[{"key":"K","fqn":"a:b:c"}]}`))
	f.Add([]byte(`{"data":[null]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodePage[wireSecret](bytes.NewReader(b), "list secrets")
		if err != nil {
			checkDecodeError(t, err, "list secrets")
			return
		}
		for i := range p.items {
			s := p.items[i].secret(false)
			if s.Value.IsSet() {
				t.Fatal("value kept although not asked for")
			}
			checkVersions(t, s)
		}
	})
}

func FuzzDecodeDeleteCount(f *testing.F) {
	for _, s := range []string{`1`, `1.1`, `{}`, `{"count":2}`, `{"data":3}`, `"4"`, `null`, `-0`, `1e400`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := decodeDeleteCount(bytes.NewReader(b), "delete secret"); err != nil {
			checkDecodeError(t, err, "delete secret")
		}
	})
}

func FuzzDecodeProviderAccounts(f *testing.F) {
	f.Add([]byte(`{"data":[{"name":"a","provider":"aws","integrations":[{"id":"i","type":"secret-store","manifest":{"region":"eu","auth_data":{"k":"v"}}}]}]}`))
	f.Add([]byte(`{"data":[{"manifest":{"type":"provider-account/gcp"},"integrations":[{"fqn":"t:gcp:a:secret-store:n","manifest":{"type":"integration/secret-store/gcp/gsm"}}]}]}`))
	f.Add([]byte(`{"data":[{"integrations":[{"manifest":[]}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodePage[wireProviderAccount](bytes.NewReader(b), "list provider accounts")
		if err != nil {
			checkDecodeError(t, err, "list provider accounts")
			return
		}
		for i := range p.items {
			for _, in := range p.items[i].stores() {
				checkIntegration(t, in)
			}
		}
	})
}

func FuzzDecodeProviderIntegrations(f *testing.F) {
	f.Add([]byte(`{"data":[{"id":"i","name":"n","fqn":"t:aws:a:secret-store:n","type":"secret-store","providerAccountFqn":"t:aws:a","providerAccount":{"name":"a","provider":"aws"},"manifest":{"type":"integration/secret-store/aws/parameter-store","region":"us-east-1"}}],"pagination":{"total":1}}`))
	f.Add([]byte(`{"data":[{"type":"integration/secret-store/azure/vault","manifest":{"key_vault_name":5}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodePage[wireIntegration](bytes.NewReader(b), "list provider integrations")
		if err != nil {
			checkDecodeError(t, err, "list provider integrations")
			return
		}
		for i := range p.items {
			if p.items[i].isSecretStore() {
				checkIntegration(t, p.items[i].integration(nil))
			}
		}
	})
}

func FuzzDecodeErrorMessage(f *testing.F) {
	f.Add([]byte(`{"statusCode":404,"message":"Secret group ID not found"}`), true)
	f.Add([]byte(`{"message":["a","b"]}`), false)
	f.Add([]byte("<html>\x1b[31m</html>"), true)
	f.Add([]byte(`{"message":"`+strings.Repeat("€", 200)+`"}`), true)
	f.Fuzz(func(t *testing.T, b []byte, quoteRaw bool) {
		msg := decodeErrorMessage(b, quoteRaw)
		if len(msg) > maxMessage+len("...") {
			t.Fatalf("message of %d bytes", len(msg))
		}
		for _, r := range msg {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				t.Fatalf("control character %U in %q", r, msg)
			}
		}
		if !utf8.ValidString(msg) {
			t.Fatalf("message is not UTF-8: %q", msg)
		}
		if !quoteRaw && msg != "" && !json.Valid(b) {
			t.Fatalf("quoted a raw body: %q", msg)
		}
	})
}

func FuzzParseRetryAfter(f *testing.F) {
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	for _, s := range []string{"7", "-1", "99999999999999999999", "Sat, 28 Nov 2026 10:00:30 GMT", "soon", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		d, ok := parseRetryAfter(h, now)
		if d < 0 {
			t.Fatalf("parseRetryAfter(%q) = %v", h, d)
		}
		if !ok && d != 0 {
			t.Fatalf("rejected %q but returned %v", h, d)
		}
	})
}

func FuzzParseBaseURL(f *testing.F) {
	for _, s := range []string{"https://acme.truefoundry.cloud/api/svc/v1", "http://127.0.0.1:8765", "http://example.com", "https://u:p@h", "https://h/?q", "::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := parseBaseURL(raw)
		if err != nil {
			if !utf8.ValidString(err.Error()) && utf8.ValidString(raw) {
				t.Fatalf("error text is not UTF-8: %q", err)
			}
			return
		}
		if u.Scheme == "http" && !isLoopback(u.Hostname()) {
			t.Fatalf("accepted plain http to %q", u.Host)
		}
		if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			t.Fatalf("accepted %q with user, query or fragment", raw)
		}
	})
}

// checkDecodeError asserts the error names the operation; the decoders'
// promise that messages quote no body text is checked by the canary tests.
func checkDecodeError(t *testing.T, err error, op string) {
	t.Helper()
	if !strings.HasPrefix(err.Error(), "decode "+op+" response: ") {
		t.Fatalf("error %q does not name the operation", err)
	}
}

func checkVersions(t *testing.T, s Secret) {
	t.Helper()
	top := 0
	for _, v := range s.Versions {
		top = max(top, v.Version)
	}
	if top == 0 {
		top = len(s.Versions)
	}
	if s.Version != top {
		t.Fatalf("Version %d, want the highest of Versions or their count, %d", s.Version, top)
	}
}

func checkIntegration(t *testing.T, in Integration) {
	t.Helper()
	if in.Category != "secret-store" {
		t.Fatalf("category %q", in.Category)
	}
	for k := range in.Config {
		found := false
		for _, allowed := range configKeys {
			found = found || k == allowed
		}
		if !found {
			t.Fatalf("config copied %q", k)
		}
	}
}

// FuzzUnquote checks the fast path for JSON strings against encoding/json
// on every token encoding/json itself accepts.
func FuzzUnquote(f *testing.F) {
	for _, s := range []string{`"plain"`, `"esc\"aped"`, `"\u00e9"`, `""`, `"tab\tx"`, `"\ud800"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		b = bytes.TrimSpace(b) // as UnmarshalJSON callers do
		var want string
		if json.Unmarshal(b, &want) != nil || len(b) == 0 || b[0] != '"' || !utf8.Valid(b) {
			return
		}
		got, ok := unquote(b)
		if !ok || got != want {
			t.Fatalf("unquote(%q) = %q, %v; encoding/json says %q", b, got, ok, want)
		}
	})
}
