package providers_test

import (
	"encoding/json"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/providers"
	"github.com/tfy-secrets/tfy-secrets/providers/builtin"
)

var reg = builtin.Registry()

func TestRecognize(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		in    providers.Integration
		want  string // Short()
		type_ string
	}{
		{"full type", providers.Integration{Type: "integration/secret-store/azure/vault"}, "azure/vault", "integration/secret-store/azure/vault"},
		{"manifest type with category", providers.Integration{Type: "secret-store", ManifestType: "integration/secret-store/aws/parameter-store"}, "aws/parameter-store", "integration/secret-store/aws/parameter-store"},
		{"aws secrets manager", providers.Integration{Type: "integration/secret-store/aws/secrets-manager"}, "aws/secrets-manager", "integration/secret-store/aws/secrets-manager"},
		{"gcp gsm", providers.Integration{Type: "integration/secret-store/gcp/gsm"}, "gcp/gsm", "integration/secret-store/gcp/gsm"},
		{"gcp skills spelling", providers.Integration{Type: "integration/secret-store/gcp/secret-manager"}, "gcp/gsm", "integration/secret-store/gcp/gsm"},
		{"category and provider", providers.Integration{Type: "secret-store", Provider: "gcp"}, "gcp/gsm", "integration/secret-store/gcp/gsm"},
		{"aws category only", providers.Integration{Type: "secret-store", Provider: "aws"}, "aws", ""},
		{"hashicorp generic", providers.Integration{Type: "integration/secret-store/hashicorp/vault"}, "hashicorp/vault", "integration/secret-store/hashicorp/vault"},
		{"truefoundry db generic", providers.Integration{ManifestType: "integration/secret-store/truefoundry/db"}, "truefoundry/db", "integration/secret-store/truefoundry/db"},
		{"unknown", providers.Integration{Type: "blob-storage"}, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := reg.Recognize(tc.in)
			if st.Short() != tc.want || st.Type != tc.type_ {
				t.Fatalf("Recognize = %q (%q), want %q (%q)", st.Short(), st.Type, tc.want, tc.type_)
			}
		})
	}
}

func TestSecretStoreDetection(t *testing.T) {
	t.Parallel()
	yes := []providers.Integration{
		{Type: "secret-store"},
		{Type: "integration/secret-store/gcp/gsm"},
		{Type: "integration", ManifestType: "integration/secret-store/azure/vault"},
	}
	no := []providers.Integration{{Type: "blob-storage"}, {Type: "integration/model/openai"}, {}}
	for _, in := range yes {
		if !in.IsSecretStore() {
			t.Errorf("%+v should be a secret store", in)
		}
	}
	for _, in := range no {
		if in.IsSecretStore() {
			t.Errorf("%+v should not be a secret store", in)
		}
	}
}

func TestStoreRulesShape(t *testing.T) {
	t.Parallel()
	var doc struct {
		Stores map[string]providers.Rules
	}
	if err := json.Unmarshal(reg.StoreRules(), &doc.Stores); err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		min, max, size int
		underscore     bool
	}{
		"integration/secret-store/azure/vault":         {1, 127, 25600, false},
		"integration/secret-store/aws/secrets-manager": {1, 512, 65536, true},
		"integration/secret-store/aws/parameter-store": {1, 1011, 4096, true},
		"integration/secret-store/gcp/gsm":             {1, 255, 65536, true},
	}
	if len(doc.Stores) != len(want) {
		t.Fatalf("stores = %d entries, want %d", len(doc.Stores), len(want))
	}
	for typ, w := range want {
		r, ok := doc.Stores[typ]
		if !ok {
			t.Fatalf("missing %s", typ)
		}
		if r.KeyMin != w.min || r.KeyMax != w.max || r.MaxValueBytes != w.size || r.UnderscoreOK != w.underscore || r.Name == "" {
			t.Errorf("%s: %+v", typ, r)
		}
	}
	if got := doc.Stores["integration/secret-store/azure/vault"].KeyChars; got != "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-" {
		t.Errorf("azure key chars = %q", got)
	}
}

// The policy checks keys with the character list and length bounds because
// regex.match is slow in OPA's wasm; this proves that form equals the regex.
func TestKeyCharsAgreeWithPattern(t *testing.T) {
	t.Parallel()
	alphabet := []rune("abcXYZ019_-./+=@:$ é\x00")
	rng := rand.New(rand.NewPCG(1, 2))
	for _, st := range reg.Stores() {
		// RE2 caps repetition at 1000, below Parameter Store's 1011, so the
		// bounds are checked apart from the character class.
		class := st.Rules.KeyPattern[:strings.LastIndexByte(st.Rules.KeyPattern, ']')+1]
		re := regexp.MustCompile(class + "*$")
		check := func(key string) {
			native := len(key) >= st.Rules.KeyMin && len(key) <= st.Rules.KeyMax
			for _, c := range key {
				if !strings.ContainsRune(st.Rules.KeyChars, c) {
					native = false
				}
			}
			byRegex := re.MatchString(key) && len(key) >= st.Rules.KeyMin && len(key) <= st.Rules.KeyMax
			if native != byRegex {
				t.Fatalf("%s: key %q: chars/length say %v, regex says %v", st.Type, key, native, !native)
			}
		}
		for range 3000 {
			n := rng.IntN(12)
			var b strings.Builder
			for range n {
				b.WriteRune(alphabet[rng.IntN(len(alphabet))])
			}
			check(b.String())
		}
		check(strings.Repeat("a", st.Rules.KeyMax))
		check(strings.Repeat("a", st.Rules.KeyMax+1))
	}
}

func TestRulesText(t *testing.T) {
	t.Parallel()
	got := reg.RulesText(providers.Integration{Type: "integration/secret-store/azure/vault"})
	if got != "keys [0-9A-Za-z-], 1-127 chars, no underscores; values ≤ 25 KiB" {
		t.Errorf("azure rules text = %q", got)
	}
	if got := reg.RulesText(providers.Integration{Type: "integration/secret-store/hashicorp/vault"}); got != "rules unknown" {
		t.Errorf("generic rules text = %q", got)
	}
}

func integrations() []providers.Integration {
	return []providers.Integration{
		{ID: "i-sm", Name: "secrets-manager", FQN: "demo:aws:acct:secret-store:secrets-manager", Type: "integration/secret-store/aws/secrets-manager", Config: map[string]string{"region": "us-east-1"}},
		{ID: "i-ps", Name: "parameter-store", FQN: "demo:aws:acct:secret-store:parameter-store", Type: "integration/secret-store/aws/parameter-store"},
		{ID: "i-kv", Name: "vault", FQN: "demo:azure:acct:secret-store:vault", Type: "integration/secret-store/azure/vault", Config: map[string]string{"key_vault_name": "kv-demo"}},
		{ID: "i-gsm", Name: "gsm", FQN: "demo:gcp:acct:secret-store:gsm", Type: "integration/secret-store/gcp/gsm"},
		{ID: "i-blob", Name: "blob", FQN: "demo:aws:acct:blob-storage:s3", Type: "blob-storage"},
	}
}

func TestChoose(t *testing.T) {
	t.Parallel()
	ins := integrations()
	twins := []providers.Integration{
		{ID: "i-aws-secrets", Name: "secrets", FQN: "demo:aws:prod:secret-store:secrets", Type: "integration/secret-store/aws/secrets-manager", Provider: "aws"},
		{ID: "i-gcp-secrets", Name: "secrets", FQN: "demo:gcp:prod:secret-store:secrets", Type: "integration/secret-store/gcp/gsm", Provider: "gcp"},
	}
	cases := []struct {
		name        string
		all         []providers.Integration
		integration string
		provider    string
		wantID      string
		wantKind    failure.Kind
		wantInHint  string
	}{
		{name: "flag by id wins over provider", all: ins, integration: "i-kv", provider: "aws", wantID: "i-kv"},
		{name: "flag by fqn", all: ins, integration: "demo:gcp:acct:secret-store:gsm", wantID: "i-gsm"},
		{name: "flag naming a non-store", all: ins, integration: "i-blob", wantKind: failure.NotFound},
		{name: "flag unknown", all: ins, integration: "nope", wantKind: failure.NotFound},
		{name: "flag by the name integration list shows", all: ins, integration: "gsm", wantID: "i-gsm"},
		{name: "flag by a name two stores share", all: twins, integration: "secrets", wantKind: failure.Usage,
			wantInHint: "--integration demo:aws:prod:secret-store:secrets"},
		{name: "flag by a shared name, settled by provider", all: twins, integration: "secrets", provider: "gcp", wantID: "i-gcp-secrets"},
		{name: "flag by the name of a non-store", all: ins, integration: ins[4].Name, wantKind: failure.NotFound},
		{name: "only store", all: []providers.Integration{ins[4], ins[2]}, wantID: "i-kv"},
		{name: "by provider", all: ins, provider: "azure", wantID: "i-kv"},
		{name: "provider ambiguous", all: ins, provider: "aws", wantKind: failure.Usage, wantInHint: "--integration demo:aws:acct:secret-store:parameter-store"},
		{name: "ambiguous without flags", all: ins, wantKind: failure.Usage, wantInHint: "azure/vault"},
		{name: "provider with no store", all: ins[2:], provider: "aws", wantKind: failure.NotFound, wantInHint: "gcp/gsm"},
		{name: "unknown provider", all: ins, provider: "oracle", wantKind: failure.Usage},
		{name: "no store at all", all: ins[4:], wantKind: failure.NotFound, wantInHint: "platform admin"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := reg.Choose(tc.all, tc.integration, tc.provider)
			if tc.wantKind != "" {
				if err == nil {
					t.Fatalf("chose %s, want a %s failure", got.ID, tc.wantKind)
				}
				f := failure.As(err)
				if f.Kind != tc.wantKind || !strings.Contains(f.Hint, tc.wantInHint) {
					t.Fatalf("failure %s %q hint %q", f.Kind, f.Message, f.Hint)
				}
				return
			}
			if err != nil || got.ID != tc.wantID {
				t.Fatalf("chose %q, %v; want %q", got.ID, err, tc.wantID)
			}
		})
	}
}

func TestExplain(t *testing.T) {
	t.Parallel()
	ins := integrations()
	sm, kv, gsm := ins[0], ins[2], ins[3]
	cases := []struct {
		name     string
		in       providers.Integration
		f        providers.APIFailure
		wantKind failure.Kind
		want     []string // in message or hint
	}{
		{"azure soft delete", kv, providers.APIFailure{Status: 409, Message: "Secret DB-PASSWORD is already in a deleted state", Key: "DB-PASSWORD"},
			failure.Conflict, []string{"az keyvault secret purge --vault-name kv-demo --name DB-PASSWORD", "az keyvault secret recover --vault-name kv-demo --name DB-PASSWORD", "another key name", "purge protection"}},
		{"azure underscore", kv, providers.APIFailure{Status: 422, Message: "key does not match ^[0-9A-Za-z-]{1,127}$", Key: "DB_PASSWORD"},
			failure.Usage, []string{"DB-PASSWORD", "underscores"}},
		{"aws scheduled deletion", sm, providers.APIFailure{Status: 409, Message: "Secret API_KEY is scheduled for deletion", Key: "API_KEY"},
			failure.Conflict, []string{"aws secretsmanager restore-secret --secret-id API_KEY --region us-east-1", "recovery window", "another key name"}},
		{"aws scheduled deletion named only in the message", sm, providers.APIFailure{Status: 409, Message: "You can't create secret DB_URL because a secret with this name is already scheduled for deletion; restore it or wait until the recovery window ends"},
			failure.Conflict, []string{`secret "DB_URL" is scheduled`, "aws secretsmanager restore-secret --secret-id DB_URL --region us-east-1"}},
		{"faulty integration", gsm, providers.APIFailure{Status: 424, Message: "store unreachable"},
			failure.Unavailable, []string{"forceDelete", "store unreachable", "Google Secret Manager"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := reg.Explain(tc.in, tc.f)
			if e == nil {
				t.Fatal("no explanation")
			}
			if e.Kind != tc.wantKind {
				t.Fatalf("kind %s, want %s", e.Kind, tc.wantKind)
			}
			text := e.Message + "\n" + e.Hint
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("missing %q in:\n%s", w, text)
				}
			}
		})
	}
	// Nothing store-specific: the caller's generic mapping stays in charge.
	for _, f := range []providers.APIFailure{{Status: 404, Message: "not found"}, {Status: 409, Message: "Secret group with name 'x' already exists"}} {
		if e := reg.Explain(kv, f); e != nil {
			t.Errorf("Explain(%+v) = %v, want nil", f, e)
		}
	}
}

// FuzzExplain feeds API failure text (outside input) through recognition
// and explanation: it must never panic and every explanation has a message.
func FuzzExplain(f *testing.F) {
	f.Add("integration/secret-store/azure/vault", "", 409, "Secret X is already in a deleted state", "X")
	f.Add("secret-store", "aws", 409, "scheduled for deletion", "")
	f.Add("integration/secret-store/", "", 424, "", "")
	f.Add("integration/secret-store/x/y/z", "gcp", 422, "Secret ", "a_b")
	f.Fuzz(func(t *testing.T, typ, provider string, status int, msg, key string) {
		in := providers.Integration{Type: typ, Provider: provider, FQN: "t:p:a:secret-store:n"}
		st := reg.Recognize(in)
		if st.Type != "" && !strings.HasPrefix(st.Type, providers.TypePrefix) {
			t.Fatalf("store type %q", st.Type)
		}
		if e := reg.Explain(in, providers.APIFailure{Status: status, Message: msg, Key: key}); e != nil && e.Message == "" {
			t.Fatal("explanation without a message")
		}
	})
}

// StoreKey gives the name each store keeps a manifest's env name under:
// only a store that refuses '_' renames, and then only '_'.
func TestStoreKey(t *testing.T) {
	t.Parallel()
	cases := []struct {
		typ, key, want string
	}{
		{"integration/secret-store/azure/vault", "DB_PASSWORD", "DB-PASSWORD"},
		{"integration/secret-store/azure/vault", "A__B_", "A--B-"},
		{"integration/secret-store/azure/vault", "API-KEY", "API-KEY"},
		{"integration/secret-store/azure/vault", "spark.key", "spark.key"}, // left for the policy to refuse
		{"integration/secret-store/aws/secrets-manager", "DB_PASSWORD", "DB_PASSWORD"},
		{"integration/secret-store/aws/parameter-store", "DB_PASSWORD", "DB_PASSWORD"},
		{"integration/secret-store/gcp/gsm", "DB_PASSWORD", "DB_PASSWORD"},
		{"integration/secret-store/hashicorp/vault", "DB_PASSWORD", "DB_PASSWORD"}, // rules unknown
	}
	for _, c := range cases {
		if got := reg.StoreKey(providers.Integration{Type: c.typ}, c.key); got != c.want {
			t.Errorf("%s: StoreKey(%q) = %q, want %q", c.typ, c.key, got, c.want)
		}
	}
}
