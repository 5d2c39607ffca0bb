package policies_test

import (
	"context"
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/policies"
)

func TestDecideDefaults(t *testing.T) {
	t.Parallel()
	e := newEngine(t, "")
	ctx := context.Background()
	add := func(key string, source policydoc.Source, length int) policydoc.Change {
		return policydoc.Change{Key: key, Action: "add", Source: source, Length: length}
	}
	tests := []struct {
		name    string
		edit    func(*policydoc.Input)
		deny    []string // substrings, one per expected denial
		warn    int
		confirm policydoc.Confirm
		mask    map[string]string
	}{
		{
			name:    "clean update needs yes",
			edit:    func(in *policydoc.Input) { in.Changes = []policydoc.Change{add("DB-PASSWORD", "env", 20)} },
			confirm: "yes",
		},
		{
			name:    "literal refused naming the key",
			edit:    func(in *policydoc.Input) { in.Changes = []policydoc.Change{add("API-KEY", "literal", 20)} },
			deny:    []string{"`export API-KEY=...` and pass --from-env API-KEY"},
			confirm: "yes",
		},
		{
			name:    "azure underscore suggests hyphen",
			edit:    func(in *policydoc.Input) { in.Changes = []policydoc.Change{add("DB_PASSWORD", "env", 20)} },
			deny:    []string{`use "DB-PASSWORD"`},
			confirm: "yes",
		},
		{
			name: "gsm takes underscores",
			edit: func(in *policydoc.Input) {
				in.Integration.Type = gsm
				in.Changes = []policydoc.Change{add("DB_PASSWORD", "env", 20)}
			},
			confirm: "yes",
		},
		{
			name: "parameter store value too big",
			edit: func(in *policydoc.Input) {
				in.Integration.Type = parameterStore
				in.Changes = []policydoc.Change{add("BIG", "file", 4097)}
			},
			deny:    []string{"4097 bytes; AWS Parameter Store accepts at most 4096"},
			confirm: "yes",
		},
		{
			name: "unknown store warns only",
			edit: func(in *policydoc.Input) {
				in.Integration.Type = "integration/secret-store/hashicorp/vault"
				in.Changes = []policydoc.Change{add("weird key!", "env", 1<<30)}
			},
			warn:    1,
			confirm: "yes",
		},
		{
			name:    "group delete is typed",
			edit:    func(in *policydoc.Input) { in.Operation = "group.delete"; in.Context.Yes = true },
			confirm: "typed",
		},
		{
			name:    "a dry run says what the real run needs",
			edit:    func(in *policydoc.Input) { in.Operation = "group.delete"; in.Context.DryRun = true },
			confirm: "typed",
		},
		{
			name: "update removing every key",
			edit: func(in *policydoc.Input) {
				in.Changes = []policydoc.Change{{Key: "A", Action: "remove"}}
			},
			deny:    []string{"no secrets"},
			confirm: "yes",
		},
		{
			name: "masking follows show_prefix and length",
			edit: func(in *policydoc.Input) {
				in.Operation = "group.get"
				in.Context.ShowPrefix = true
				in.Secrets = []policydoc.Secret{{Key: "LONG", Length: 16}, {Key: "SHORT", Length: 15}}
			},
			confirm: "none",
			mask:    map[string]string{"LONG": "prefix4", "SHORT": "set"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := baseInput()
			tt.edit(&in)
			d, err := e.Decide(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Deny) != len(tt.deny) {
				t.Fatalf("deny = %q, want %d denial(s)", d.Deny, len(tt.deny))
			}
			for i, want := range tt.deny {
				if !strings.Contains(d.Deny[i], want) {
					t.Errorf("deny[%d] = %q, want it to contain %q", i, d.Deny[i], want)
				}
			}
			if len(d.Warn) != tt.warn {
				t.Errorf("warn = %q, want %d", d.Warn, tt.warn)
			}
			if d.Confirm != tt.confirm {
				t.Errorf("confirm = %q, want %q", d.Confirm, tt.confirm)
			}
			if tt.mask == nil {
				tt.mask = map[string]string{}
			}
			if !mapsEqual(d.Mask, tt.mask) {
				t.Errorf("mask = %v, want %v", d.Mask, tt.mask)
			}
		})
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestEvalJSONDocumentShape(t *testing.T) {
	t.Parallel()
	e := newEngine(t, "")
	out, err := e.EvalJSON(context.Background(), []byte(`{"operation":"group.list"}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"deny":[],"warn":[],"confirm":"none","mask":{}}`; string(out) != want {
		t.Fatalf("EvalJSON = %s, want %s", out, want)
	}
}

func TestEvalJSONRefusesBadInputWithoutEchoingIt(t *testing.T) {
	t.Parallel()
	e := newEngine(t, "")
	const canary = "canary-7f3c9e1d-value"
	tests := map[string]string{
		"value field":   `{"operation":"group.create","changes":[{"key":"K","action":"add","source":"env","value":"` + canary + `"}]}`,
		"bare value":    `{"operation":"group.create","changes":[{"key":"K","action":"add","source":` + canary + `}]}`,
		"trailing data": `{"operation":"group.list"} ` + canary,
		"unknown op":    `{"operation":"group.explode"}`,
		"empty":         ``,
	}
	for name, doc := range tests {
		_, err := e.EvalJSON(context.Background(), []byte(doc))
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if failure.KindOf(err) != failure.Usage {
			t.Errorf("%s: kind %s, want usage", name, failure.KindOf(err))
		}
		if f := failure.As(err); strings.Contains(f.Message+f.Hint+err.Error(), canary[:8]) {
			t.Errorf("%s: error repeats input text: %v", name, err)
		}
	}
}

func TestDecideRejectsInvalidInput(t *testing.T) {
	t.Parallel()
	e := newEngine(t, "")
	in := baseInput()
	in.Changes = []policydoc.Change{{Key: "K", Action: "explode"}}
	if _, err := e.Decide(context.Background(), in); err == nil || !strings.Contains(err.Error(), "changes[0].action") {
		t.Fatalf("Decide = %v, want an error naming changes[0].action", err)
	}
}

func TestModulesListsDefaultsWithoutTests(t *testing.T) {
	t.Parallel()
	e := newEngine(t, buildExample(t, "prod-delete"))
	var names []string
	for _, m := range e.Modules() {
		names = append(names, m.Name)
		if m.Source == "" {
			t.Errorf("%s: empty source", m.Name)
		}
	}
	want := []string{
		"default/confirmation.rego", "default/decision.rego", "default/masking.rego",
		"default/raw_values.rego", "default/sanity.rego", "default/stores.rego", "org:policy.rego",
	}
	if !slices.Equal(names, want) {
		t.Fatalf("modules = %q, want %q", names, want)
	}
}

// The plugin imports package policies; OPA's compiler and evaluator must not
// come with it (design section 6: linking OPA costs every start ~25 ms).
func TestHotPathDoesNotLinkOPA(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "github.com/tfy-secrets/tfy-secrets/policies/opawasm") {
		t.Fatalf("go list output does not look like a dependency list:\n%s", out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/open-policy-agent/") {
			t.Errorf("package policies depends on %s", dep)
		}
	}
}

func TestStoreRulesAreChecked(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"not an object":     `[1,2]`,
		"missing key_chars": `{"t":{"name":"T","key_min":1,"key_max":2,"key_pattern":"^a$","max_value_bytes":1,"underscore_ok":true}}`,
		"inverted bounds":   `{"t":{"name":"T","key_chars":"a","key_min":3,"key_max":2,"key_pattern":"^a$","max_value_bytes":1,"underscore_ok":true}}`,
		"no underscore_ok":  `{"t":{"name":"T","key_chars":"a","key_min":1,"key_max":2,"key_pattern":"^a$","max_value_bytes":1}}`,
	}
	for name, stores := range tests {
		_, err := policies.New(context.Background(), policies.Options{Stores: json.RawMessage(stores), CacheDir: cacheDir})
		if failure.KindOf(err) != failure.Config {
			t.Errorf("%s: err = %v, want a config failure", name, err)
		}
	}
}
