package gcp

import (
	"strings"
	"testing"

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
	if p.Name() != "gcp" {
		t.Fatalf("Name = %q", p.Name())
	}
	got := p.Stores()
	if len(got) != 1 {
		t.Fatalf("Stores = %+v, want one", got)
	}
	st := got[0]
	if st.Type != "integration/secret-store/gcp/gsm" || st.Provider != "gcp" || st.Kind != "gsm" || st.Rules == nil {
		t.Fatalf("store = %+v", st)
	}
	r := st.Rules
	if r.Name != "Google Secret Manager" || r.KeyMin != 1 || r.KeyMax != 255 || r.MaxValueBytes != 64<<10 || !r.UnderscoreOK {
		t.Errorf("rules = %+v", r)
	}
	if got := r.Summary(); got != "keys [A-Za-z0-9_-], 1-255 chars; values ≤ 64 KiB" {
		t.Errorf("summary = %q", got)
	}
}

func TestKeyNames(t *testing.T) {
	t.Parallel()
	cases := map[string]bool{
		"DB_PASSWORD":            true,
		"db-password-2":          true,
		"a":                      true,
		"_":                      true,
		"":                       false,
		"db.password":            false, // dots are AWS's, not GSM's
		"app/db":                 false,
		"DB PASSWORD":            false,
		"clé":                    false,
		"KEY\n":                  false,
		strings.Repeat("k", 255): true,
		strings.Repeat("k", 256): false,
	}
	for key, want := range cases {
		if got := fits(gsm.Rules, key); got != want {
			t.Errorf("Secret Manager takes %q: %v, want %v", key, got, want)
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
		{"gsm", providers.Integration{Type: GSMType}, true},
		{"the skills' spelling", providers.Integration{Type: "integration/secret-store/gcp/secret-manager"}, true},
		{"type in the manifest", providers.Integration{Type: "secret-store", ManifestType: GSMType}, true},
		{"category of a gcp account", providers.Integration{Type: "secret-store", Provider: "gcp"}, true},
		{"category of another account", providers.Integration{Type: "secret-store", Provider: "azure"}, false},
		{"category without an account", providers.Integration{Type: "secret-store"}, false},
		{"gcp but not a secret store", providers.Integration{Type: "blob-storage", Provider: "gcp"}, false},
		{"another store of a gcp account", providers.Integration{Type: "integration/secret-store/hashicorp/vault", Provider: "gcp"}, false},
		{"longer type", providers.Integration{Type: GSMType + "/x"}, false},
		{"other case", providers.Integration{Type: strings.ToUpper(GSMType)}, false},
		{"empty", providers.Integration{}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, ok := New().Recognize(tc.in)
			if ok != tc.ok {
				t.Fatalf("Recognize = %+v, %v; want %v", st, ok, tc.ok)
			}
			// Both spellings are one store, under the type the SDK uses.
			if ok && (st.Type != GSMType || st.Rules != gsm.Rules) {
				t.Fatalf("recognised as %+v, want gsm", st)
			}
		})
	}
}

func TestLocation(t *testing.T) {
	t.Parallel()
	p := New()
	if got := p.Location(providers.Integration{Config: map[string]string{"project": "acme-prod", "region": "us-central1"}}); got != "acme-prod" {
		t.Errorf("Location = %q", got)
	}
	if got := p.Location(providers.Integration{}); got != "" {
		t.Errorf("Location without config = %q", got)
	}
}

// Secret Manager deletes at once and reserves no name, so even failures
// another store would explain are left to the generic mapping.
func TestExplainNothingSpecific(t *testing.T) {
	t.Parallel()
	in := providers.Integration{Type: GSMType, Config: map[string]string{"project": "p"}}
	for _, f := range []providers.APIFailure{
		{Status: 409, Message: "Secret X is already in a deleted state", Key: "X"},
		{Status: 409, Message: "scheduled for deletion", Key: "X"},
		{Status: 422, Message: "bad key", Key: "A_B"},
		{Status: 424, Message: "store unreachable"},
		{},
	} {
		if e := New().Explain(gsm, in, f); e != nil {
			t.Errorf("Explain(%+v) = %v, want nil", f, e)
		}
	}
}

// FuzzRecognize feeds integration types and provider names from the API
// (outside input) through recognition: what is claimed is always the one
// gsm store, either spelling of its type is always claimed, and nothing
// is claimed that neither names gcp in its type nor belongs to a gcp account.
func FuzzRecognize(f *testing.F) {
	f.Add(GSMType, "", "")
	f.Add("secret-store", skillsType, "")
	f.Add("secret-store", "", "gcp")
	f.Add("integration/secret-store/gcp/", "", "gcp")
	f.Add("integration/secret-store/aws/secrets-manager", GSMType, "gcp")
	f.Add("\xffsecret-store", "", "GCP")
	f.Fuzz(func(t *testing.T, typ, manifestType, provider string) {
		in := providers.Integration{Type: typ, ManifestType: manifestType, Provider: provider}
		st, ok := New().Recognize(in)
		if !ok {
			if full := in.FullType(); full == GSMType || full == skillsType {
				t.Fatalf("%+v, of type %s, not recognised", in, full)
			}
			if st != (providers.Store{}) {
				t.Fatalf("not recognised but returned %+v", st)
			}
			return
		}
		if st.Type != GSMType || st.Provider != "gcp" || st.Rules != gsm.Rules {
			t.Fatalf("recognised as %+v, want gsm", st)
		}
		if !in.IsSecretStore() {
			t.Fatalf("claimed %+v, which is not a secret store", in)
		}
		if full := in.FullType(); full != GSMType && full != skillsType && (full != "" || provider != "gcp") {
			t.Fatalf("claimed %+v for gcp", in)
		}
	})
}
