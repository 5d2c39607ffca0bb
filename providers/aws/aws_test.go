package aws

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
	if p.Name() != "aws" {
		t.Fatalf("Name = %q", p.Name())
	}
	got := p.Stores()
	want := []struct {
		typ, kind, name string
		min, max, value int
	}{
		{"integration/secret-store/aws/secrets-manager", "secrets-manager", "AWS Secrets Manager", 1, 512, 64 << 10},
		{"integration/secret-store/aws/parameter-store", "parameter-store", "AWS Parameter Store", 1, 1011, 4 << 10},
	}
	if len(got) != len(want) {
		t.Fatalf("Stores = %d, want %d", len(got), len(want))
	}
	for i, w := range want {
		st := got[i]
		if st.Type != w.typ || st.Provider != "aws" || st.Kind != w.kind || st.Rules == nil {
			t.Fatalf("store %d = %+v", i, st)
		}
		r := st.Rules
		if r.Name != w.name || r.KeyMin != w.min || r.KeyMax != w.max || r.MaxValueBytes != w.value || !r.UnderscoreOK {
			t.Errorf("%s rules = %+v", w.typ, r)
		}
		if st.Short() != "aws/"+w.kind || st.Name() != w.name {
			t.Errorf("%s: Short %q, Name %q", w.typ, st.Short(), st.Name())
		}
	}
}

// The key names each store takes, at the edges of its rule.
func TestKeyNames(t *testing.T) {
	t.Parallel()
	sm, ps := secretsManager.Rules, parameterStore.Rules
	cases := []struct {
		key    string
		sm, ps bool
	}{
		{"DB_PASSWORD", true, true},
		{"db.password-2", true, true},
		{"a", true, true},
		{"", false, false},
		{"app/db/password", true, false}, // paths: Secrets Manager only
		{"user+tag=x@host", true, false},
		{"DB PASSWORD", false, false},
		{"DB:PASSWORD", false, false},
		{"naïve", false, false},
		{"key\n", false, false},
		{"KEY\x00", false, false},
		{strings.Repeat("k", 512), true, true},
		{strings.Repeat("k", 513), false, true},
		{strings.Repeat("k", 1011), false, true},
		{strings.Repeat("k", 1012), false, false},
	}
	for _, tc := range cases {
		if got := fits(sm, tc.key); got != tc.sm {
			t.Errorf("Secrets Manager takes %q: %v, want %v", tc.key, got, tc.sm)
		}
		if got := fits(ps, tc.key); got != tc.ps {
			t.Errorf("Parameter Store takes %q: %v, want %v", tc.key, got, tc.ps)
		}
	}
	if got := sm.Summary(); got != "keys [A-Za-z0-9/_+=.@-], 1-512 chars; values ≤ 64 KiB" {
		t.Errorf("Secrets Manager summary = %q", got)
	}
	if got := ps.Summary(); got != "keys [A-Za-z0-9_.-], 1-1011 chars; values ≤ 4 KiB" {
		t.Errorf("Parameter Store summary = %q", got)
	}
}

func TestRecognize(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   providers.Integration
		ok   bool
		want string // the store's type; "" with ok for the bare AWS store
	}{
		{"secrets manager", providers.Integration{Type: SecretsManagerType}, true, SecretsManagerType},
		{"parameter store", providers.Integration{Type: ParameterStoreType}, true, ParameterStoreType},
		{"type in the manifest", providers.Integration{Type: "secret-store", ManifestType: ParameterStoreType}, true, ParameterStoreType},
		{"category of an aws account", providers.Integration{Type: "secret-store", Provider: "aws"}, true, ""},
		{"category of another account", providers.Integration{Type: "secret-store", Provider: "gcp"}, false, ""},
		{"category without an account", providers.Integration{Type: "secret-store"}, false, ""},
		{"aws but not a secret store", providers.Integration{Type: "blob-storage", Provider: "aws"}, false, ""},
		{"azure store of an aws account", providers.Integration{Type: "integration/secret-store/azure/vault", Provider: "aws"}, false, ""},
		{"unknown aws store", providers.Integration{Type: "integration/secret-store/aws/kms", Provider: "aws"}, false, ""},
		{"longer type", providers.Integration{Type: SecretsManagerType + "-x"}, false, ""},
		{"other case", providers.Integration{Type: strings.ToUpper(SecretsManagerType)}, false, ""},
		{"empty", providers.Integration{}, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, ok := New().Recognize(tc.in)
			if ok != tc.ok || st.Type != tc.want {
				t.Fatalf("Recognize = %+v, %v; want type %q, %v", st, ok, tc.want, tc.ok)
			}
			if ok && st.Provider != "aws" {
				t.Fatalf("provider %q", st.Provider)
			}
			if ok && (st.Type == "") != (st.Rules == nil) {
				t.Fatalf("a store with a type has rules, the bare one none: %+v", st)
			}
		})
	}
}

func TestLocation(t *testing.T) {
	t.Parallel()
	p := New()
	if got := p.Location(providers.Integration{Config: map[string]string{"region": "eu-west-1", "key_vault_name": "kv"}}); got != "eu-west-1" {
		t.Errorf("Location = %q", got)
	}
	if got := p.Location(providers.Integration{}); got != "" {
		t.Errorf("Location without config = %q", got)
	}
}

func TestExplainScheduledDeletion(t *testing.T) {
	t.Parallel()
	inRegion := providers.Integration{Type: SecretsManagerType, Config: map[string]string{"region": "us-east-1"}}
	noRegion := providers.Integration{Type: SecretsManagerType}
	cases := []struct {
		name    string
		in      providers.Integration
		f       providers.APIFailure
		secret  string // the name the message and the command use
		command string
	}{
		{"key known", inRegion, providers.APIFailure{Status: 409, Message: "Secret API_KEY is scheduled for deletion", Key: "API_KEY"},
			"API_KEY", "aws secretsmanager restore-secret --secret-id API_KEY --region us-east-1\n"},
		{"name only in the message", inRegion, providers.APIFailure{Status: 409,
			Message: "You can't create secret DB_URL because a secret with this name is already scheduled for deletion."},
			"DB_URL", "--secret-id DB_URL --region us-east-1\n"},
		{"the message's name beats the key", inRegion, providers.APIFailure{Status: 409,
			Message: "You can't create secret 'B' because it is scheduled for deletion", Key: "A"},
			"B", "--secret-id B --region"},
		{"quoted name", noRegion, providers.APIFailure{Status: 409,
			Message: `You can't create secret "X.Y" because it was scheduled for deletion`},
			"X.Y", "--secret-id X.Y\n"},
		{"any case", noRegion, providers.APIFailure{Status: 409, Message: "SCHEDULED FOR DELETION", Key: "K"},
			"K", "--secret-id K\n"},
		{"no name anywhere", noRegion, providers.APIFailure{Status: 409, Message: "scheduled for deletion"},
			"<secret-id>", "--secret-id <secret-id>\n"},
		{"message cut after the prefix", noRegion, providers.APIFailure{Status: 409, Message: "You can't create secret  scheduled for deletion", Key: "K"},
			"K", "--secret-id K\n"},
	}
	p := New()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := p.Explain(secretsManager, tc.in, tc.f)
			if e == nil {
				t.Fatal("no explanation")
			}
			if e.Kind != failure.Conflict {
				t.Errorf("kind %s, want conflict", e.Kind)
			}
			if want := `secret "` + tc.secret + `" is scheduled for deletion in AWS Secrets Manager`; e.Message != want {
				t.Errorf("message %q, want %q", e.Message, want)
			}
			for _, w := range []string{tc.command, "recovery window (7-30 days)", "wait until the recovery window ends", "another key name"} {
				if !strings.Contains(e.Hint+"\n", w) {
					t.Errorf("hint lacks %q:\n%s", w, e.Hint)
				}
			}
			if tc.in.Config["region"] == "" && strings.Contains(e.Hint, "--region") {
				t.Errorf("a region flag with no region:\n%s", e.Hint)
			}
		})
	}
}

// Only Secrets Manager has a recovery window, and only its 409 says so.
func TestExplainNothingSpecific(t *testing.T) {
	t.Parallel()
	sm := providers.Integration{Type: SecretsManagerType}
	ps := providers.Integration{Type: ParameterStoreType}
	cases := []struct {
		name string
		st   providers.Store
		in   providers.Integration
		f    providers.APIFailure
	}{
		{"parameter store", parameterStore, ps, providers.APIFailure{Status: 409, Message: "scheduled for deletion", Key: "K"}},
		{"bare aws store", providers.Store{Provider: "aws"}, providers.Integration{Type: "secret-store", Provider: "aws"}, providers.APIFailure{Status: 409, Message: "scheduled for deletion"}},
		{"not a conflict", secretsManager, sm, providers.APIFailure{Status: 400, Message: "scheduled for deletion", Key: "K"}},
		{"another conflict", secretsManager, sm, providers.APIFailure{Status: 409, Message: "Secret group with name 'x' already exists"}},
		{"faulty integration", secretsManager, sm, providers.APIFailure{Status: 424, Message: "scheduled for deletion"}},
		{"no message", secretsManager, sm, providers.APIFailure{Status: 409}},
	}
	for _, tc := range cases {
		if e := New().Explain(tc.st, tc.in, tc.f); e != nil {
			t.Errorf("%s: Explain = %v, want nil", tc.name, e)
		}
	}
}

// FuzzScheduledName feeds Secrets Manager's conflict text (outside input)
// through the name it is read for: the name is the key, or one word of the
// message without its quotes, and the explanation's command names it.
func FuzzScheduledName(f *testing.F) {
	f.Add("You can't create secret API_KEY because it is scheduled for deletion", "")
	f.Add(`You can't create secret "X" because`, "K")
	f.Add("You can't create secret ", "K")
	f.Add("You can't create secret '' x", "")
	f.Add("scheduled for deletion", "")
	f.Add("You can't create secret \xff\x00 scheduled for deletion", "K")
	f.Fuzz(func(t *testing.T, msg, key string) {
		fail := providers.APIFailure{Status: 409, Message: msg, Key: key}
		name := scheduledName(fail)
		if name != key {
			rest, ok := strings.CutPrefix(msg, "You can't create secret ")
			word, _, _ := strings.Cut(rest, " ")
			if !ok || strings.Trim(word, `"'`) != name || word == "" {
				t.Fatalf("scheduledName(%q, key %q) = %q: neither the key nor the message's name", msg, key, name)
			}
			if strings.ContainsRune(name, ' ') {
				t.Fatalf("name %q has a space", name)
			}
		}
		e := New().Explain(secretsManager, providers.Integration{Type: SecretsManagerType}, fail)
		if !strings.Contains(strings.ToLower(msg), "scheduled for deletion") {
			if e != nil {
				t.Fatalf("explained a message without the phrase: %v", e)
			}
			return
		}
		if e == nil || e.Kind != failure.Conflict {
			t.Fatalf("Explain = %v, want a conflict", e)
		}
		if name == "" {
			name = "<secret-id>"
		}
		if !strings.Contains(e.Hint, "restore-secret --secret-id "+name+"\n") {
			t.Fatalf("hint does not restore %q:\n%s", name, e.Hint)
		}
	})
}
