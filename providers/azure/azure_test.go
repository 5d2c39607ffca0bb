package azure

import (
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/providers"
)

// fits is the check the policy makes from a store's rules: the length
// bounds and every character in KeyChars.
func fits(r *providers.Rules, key string) bool {
	if len(key) < r.KeyMin || len(key) > r.KeyMax {
		return false
	}
	for _, c := range key {
		if !strings.ContainsRune(r.KeyChars, c) {
			return false
		}
	}
	return true
}

func TestStores(t *testing.T) {
	t.Parallel()
	p := New()
	if p.Name() != "azure" {
		t.Fatalf("Name = %q", p.Name())
	}
	got := p.Stores()
	if len(got) != 1 {
		t.Fatalf("Stores = %+v, want one", got)
	}
	st := got[0]
	if st.Type != "integration/secret-store/azure/vault" || st.Provider != "azure" || st.Kind != "vault" || st.Rules == nil {
		t.Fatalf("store = %+v", st)
	}
	r := st.Rules
	if r.Name != "Azure Key Vault" || r.KeyMin != 1 || r.KeyMax != 127 || r.MaxValueBytes != 25<<10 || r.UnderscoreOK {
		t.Errorf("rules = %+v", r)
	}
	if r.KeyChars != "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-" {
		t.Errorf("key chars = %q", r.KeyChars)
	}
	if got := r.Summary(); got != "keys [0-9A-Za-z-], 1-127 chars, no underscores; values ≤ 25 KiB" {
		t.Errorf("summary = %q", got)
	}
}

func TestKeyNames(t *testing.T) {
	t.Parallel()
	cases := map[string]bool{
		"DB-PASSWORD":            true,
		"a":                      true,
		"0-9":                    true,
		"-":                      true,
		"":                       false,
		"DB_PASSWORD":            false, // the common trip-up
		"db.password":            false,
		"app/db":                 false,
		"DB PASSWORD":            false,
		"Ünïcode":                false,
		"KEY\x00":                false,
		strings.Repeat("k", 127): true,
		strings.Repeat("k", 128): false,
		strings.Repeat("é", 63):  false,
		strings.Repeat("-", 127): true,
	}
	for key, want := range cases {
		if got := fits(vault.Rules, key); got != want {
			t.Errorf("Key Vault takes %q: %v, want %v", key, got, want)
		}
	}
}

func TestRecognize(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   providers.Integration
		ok   bool
	}{
		{"vault", providers.Integration{Type: VaultType}, true},
		{"type in the manifest", providers.Integration{Type: "integration", ManifestType: VaultType}, true},
		{"category of an azure account", providers.Integration{Type: "secret-store", Provider: "azure"}, true},
		{"category of another account", providers.Integration{Type: "secret-store", Provider: "aws"}, false},
		{"category without an account", providers.Integration{Type: "secret-store"}, false},
		{"azure but not a secret store", providers.Integration{Type: "blob-storage", Provider: "azure"}, false},
		{"another store of an azure account", providers.Integration{Type: "integration/secret-store/hashicorp/vault", Provider: "azure"}, false},
		{"longer type", providers.Integration{Type: VaultType + "s"}, false},
		{"other case", providers.Integration{Type: "integration/secret-store/Azure/Vault"}, false},
		{"empty", providers.Integration{}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, ok := New().Recognize(tc.in)
			if ok != tc.ok {
				t.Fatalf("Recognize = %+v, %v; want %v", st, ok, tc.ok)
			}
			if ok && (st.Type != VaultType || st.Rules != vault.Rules) {
				t.Fatalf("recognised as %+v, want the vault", st)
			}
		})
	}
}

func TestLocation(t *testing.T) {
	t.Parallel()
	p := New()
	if got := p.Location(providers.Integration{Config: map[string]string{"key_vault_name": "kv-prod", "region": "westeurope"}}); got != "kv-prod" {
		t.Errorf("Location = %q", got)
	}
	if got := p.Location(providers.Integration{}); got != "" {
		t.Errorf("Location without config = %q", got)
	}
}

func TestExplainSoftDeleted(t *testing.T) {
	t.Parallel()
	full := providers.Integration{Type: VaultType, FQN: "t:azure:acct:secret-store:kv", Config: map[string]string{"key_vault_name": "kv-prod"}}
	bare := providers.Integration{Type: VaultType}
	cases := []struct {
		name        string
		in          providers.Integration
		f           providers.APIFailure
		secret      string
		vault       string
		integration bool // the hint names the integration
	}{
		{"key known", full, providers.APIFailure{Status: 409, Message: "Secret DB-PASSWORD is already in a deleted state", Key: "DB-PASSWORD"},
			"DB-PASSWORD", "kv-prod", true},
		{"name only in the message", full, providers.APIFailure{Status: 409, Message: "Secret API-KEY is currently in a deleted state"},
			"API-KEY", "kv-prod", true},
		{"the message's name beats the key", full, providers.APIFailure{Status: 409, Message: "Secret 'B' is already in a deleted state", Key: "A"},
			"B", "kv-prod", true},
		{"quoted, soft-delete wording", bare, providers.APIFailure{Status: 409, Message: `Secret "X" conflicts with soft-delete`},
			"X", "<vault>", false},
		{"soft delete wording, any case", bare, providers.APIFailure{Status: 409, Message: "SOFT DELETE is on", Key: "K"},
			"K", "<vault>", false},
		{"no name anywhere", bare, providers.APIFailure{Status: 409, Message: "object is in a deleted state"},
			"<name>", "<vault>", false},
		{"message ends after the word", bare, providers.APIFailure{Status: 409, Message: "Secret  in a deleted state", Key: "K"},
			"K", "<vault>", false},
		{"underscore key in a soft-delete conflict", full, providers.APIFailure{Status: 409, Message: "in a deleted state", Key: "A_B"},
			"A_B", "kv-prod", true},
	}
	p := New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := p.Explain(vault, tc.in, tc.f)
			if e == nil {
				t.Fatal("no explanation")
			}
			if e.Kind != failure.Conflict {
				t.Errorf("kind %s, want conflict", e.Kind)
			}
			want := `secret "` + tc.secret + `" was deleted recently and is still soft-deleted in Azure Key Vault "` + tc.vault + `"`
			if e.Message != want {
				t.Errorf("message %q, want %q", e.Message, want)
			}
			for _, w := range []string{
				"az keyvault secret purge --vault-name " + tc.vault + " --name " + tc.secret + "\n",
				"az keyvault secret recover --vault-name " + tc.vault + " --name " + tc.secret + "\n",
				"retention period (7-90 days)", "another key name", "purge protection",
				"TrueFoundry itself cannot purge",
			} {
				if !strings.Contains(e.Hint, w) {
					t.Errorf("hint lacks %q:\n%s", w, e.Hint)
				}
			}
			if got := strings.Contains(e.Hint, "behind integration "+tc.in.FQN+"."); got != tc.integration {
				t.Errorf("hint names the integration: %v, want %v:\n%s", got, tc.integration, e.Hint)
			}
		})
	}
}

func TestExplainUnderscore(t *testing.T) {
	t.Parallel()
	in := providers.Integration{Type: VaultType}
	for _, status := range []int{400, 422} {
		e := New().Explain(vault, in, providers.APIFailure{Status: status, Message: "anything", Key: "DB_PASS_WORD"})
		if e == nil || e.Kind != failure.Usage {
			t.Fatalf("%d: Explain = %v, want a usage error", status, e)
		}
		if e.Message != `Azure Key Vault does not accept underscores in key "DB_PASS_WORD"` ||
			!strings.Contains(e.Hint, "use hyphens instead: DB-PASS-WORD ") {
			t.Errorf("%d: %q / %q", status, e.Message, e.Hint)
		}
	}
}

func TestExplainNothingSpecific(t *testing.T) {
	t.Parallel()
	in := providers.Integration{Type: VaultType}
	for _, f := range []providers.APIFailure{
		{Status: 409, Message: "Secret group with name 'x' already exists", Key: "A_B"},
		{Status: 422, Message: "value too large", Key: "DB-PASSWORD"},
		{Status: 422, Message: "key DB_PASSWORD refused"}, // no key: nothing to rename
		{Status: 424, Message: "deleted state", Key: "A_B"},
		{Status: 500, Message: "soft-delete", Key: "A_B"},
		{Status: 409},
	} {
		if e := New().Explain(vault, in, f); e != nil {
			t.Errorf("Explain(%+v) = %v, want nil", f, e)
		}
	}
}

// FuzzDeletedName feeds Key Vault's conflict text (outside input) through
// the name it is read for: the key, or one word of the message without its
// quotes; the purge and recover commands name it.
func FuzzDeletedName(f *testing.F) {
	f.Add("Secret DB-PASSWORD is already in a deleted state", "")
	f.Add(`Secret "X" is in a deleted state`, "K")
	f.Add("Secret ", "K")
	f.Add("Secret '' soft-delete", "")
	f.Add("soft delete", "A_B")
	f.Add("Secret \xff\x00 deleted state", "K")
	f.Fuzz(func(t *testing.T, msg, key string) {
		fail := providers.APIFailure{Status: 409, Message: msg, Key: key}
		name := deletedName(fail)
		if name != key {
			rest, ok := strings.CutPrefix(msg, "Secret ")
			word, _, _ := strings.Cut(rest, " ")
			if !ok || word == "" || strings.Trim(word, `"'`) != name || strings.ContainsRune(name, ' ') {
				t.Fatalf("deletedName(%q, key %q) = %q: neither the key nor the message's name", msg, key, name)
			}
		}
		in := providers.Integration{Type: VaultType, Config: map[string]string{"key_vault_name": "kv"}}
		e := New().Explain(vault, in, fail)
		lower := strings.ToLower(msg)
		if !strings.Contains(lower, "deleted state") && !strings.Contains(lower, "soft-delete") && !strings.Contains(lower, "soft delete") {
			if e != nil {
				t.Fatalf("explained a conflict without soft-delete wording: %v", e)
			}
			return
		}
		if e == nil || e.Kind != failure.Conflict {
			t.Fatalf("Explain = %v, want a conflict", e)
		}
		if name == "" {
			name = "<name>"
		}
		for _, cmd := range []string{"purge", "recover"} {
			if !strings.Contains(e.Hint, "az keyvault secret "+cmd+" --vault-name kv --name "+name+"\n") {
				t.Fatalf("hint does not %s %q:\n%s", cmd, name, e.Hint)
			}
		}
	})
}
