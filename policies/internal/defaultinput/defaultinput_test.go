package defaultinput

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/policies/opawasm"
)

// jsonView is the lean input as encoding/json would write it: the oracle
// the hand-written writer must match byte for byte.
type jsonView struct {
	Operation   string `json:"operation"`
	Integration struct {
		Type string `json:"type"`
	} `json:"integration"`
	Changes []jsonChange `json:"changes"`
	Secrets []jsonSecret `json:"secrets"`
	Context struct {
		DryRun     bool `json:"dry_run"`
		ShowPrefix bool `json:"show_prefix"`
	} `json:"context"`
}

type jsonChange struct {
	Key    string `json:"key"`
	Action string `json:"action"`
	Source string `json:"source,omitempty"`
	Length int    `json:"length,omitempty"`
}

type jsonSecret struct {
	Key    string `json:"key"`
	Length int    `json:"length,omitempty"`
}

func oracle(in *Input) []byte {
	v := jsonView{Operation: string(in.Operation), Changes: []jsonChange{}, Secrets: []jsonSecret{}}
	v.Integration.Type = in.IntegrationType
	v.Context.DryRun, v.Context.ShowPrefix = in.DryRun, in.ShowPrefix
	for _, c := range in.Changes {
		jc := jsonChange{Key: c.Key, Action: string(c.Action), Length: c.Length}
		if c.Literal {
			jc.Source = "literal"
		}
		v.Changes = append(v.Changes, jc)
	}
	for _, s := range in.Secrets {
		v.Secrets = append(v.Secrets, jsonSecret(s))
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func check(t *testing.T, in *Input) {
	t.Helper()
	var d opawasm.Document
	Write(&d, in)
	got, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if want := oracle(in); string(got) != string(want) {
		t.Fatalf("Write:\n got %s\nwant %s", got, want)
	}
}

func TestWriteMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	check(t, &Input{Operation: "group.list"})
	check(t, &Input{
		Operation: "group.update", IntegrationType: "integration/secret-store/azure/vault", DryRun: true, ShowPrefix: true,
		Changes: []Change{{Key: "DB_USER", Action: "add", Literal: true, Length: 32}, {Key: "Q\"<\xff", Action: "remove"}},
		Secrets: []Secret{{Key: "A", Length: 16}, {Key: "", Length: 0}},
	})
}

func TestDataIsCompactAndHashed(t *testing.T) {
	t.Parallel()
	a, err := Data(json.RawMessage(`{ "t" : { "name" : "T" } }`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Data(json.RawMessage(`{"t":{"name":"T"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if string(a) != `{"stores":{"t":{"name":"T"}},"underscore_store_names":""}` || Hash(a) != Hash(b) || Hash(a) == Hash([]byte(`{"stores":{}}`)) {
		t.Fatalf("Data = %s / %s", a, b)
	}
	if empty, err := Data(nil); err != nil || string(empty) != `{"stores":{},"underscore_store_names":""}` {
		t.Fatalf("Data(nil) = %s, %v", empty, err)
	}
}

func TestDataOrdersKeyCharsMostCommonFirst(t *testing.T) {
	t.Parallel()
	got, err := Data(json.RawMessage(`{"t":{"key_chars":"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz/_+=.@-é"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"stores":{"t":{"key_chars":"ABCDEFGHIJKLMNOPQRSTUVWXYZ_-0123456789abcdefghijklmnopqrstuvwxyz/+=.@é"}},"underscore_store_names":""}`; string(got) != want {
		t.Fatalf("Data = %s, want %s", got, want)
	}
	for _, bad := range []string{`[]`, `{"t":{"key_chars":1}}`, `{"t":`, `{"t":{"underscore_ok":true,"name":1}}`} {
		if _, err := Data(json.RawMessage(bad)); err == nil {
			t.Errorf("Data(%s): no error", bad)
		}
	}
}

// FuzzCommonFirst: reordering keeps every character, and is stable.
func FuzzCommonFirst(f *testing.F) {
	f.Add("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-")
	f.Add("a\xffZ_")
	f.Fuzz(func(t *testing.T, chars string) {
		got := commonFirst(chars)
		a, b := []rune(got), []rune(chars)
		slices.Sort(a)
		slices.Sort(b)
		if !slices.Equal(a, b) {
			t.Fatalf("commonFirst(%q) = %q: characters changed", chars, got)
		}
		if commonFirst(got) != got {
			t.Fatalf("commonFirst is not idempotent on %q", chars)
		}
	})
}

// FuzzWrite: any keys, actions and lengths give the document encoding/json
// would write.
func FuzzWrite(f *testing.F) {
	f.Add("group.update", "integration/secret-store/gcp/gsm", "DB_PASSWORD", "add", 24, true, false)
	f.Add("", "", "a\xffb\u2028<&>", "", -1, false, true)
	f.Fuzz(func(t *testing.T, op, typ, key, action string, length int, literal, flag bool) {
		check(t, &Input{
			Operation: policydoc.Operation(op), IntegrationType: typ, DryRun: flag, ShowPrefix: !flag,
			Changes: []Change{{Key: key, Action: policydoc.Action(action), Literal: literal, Length: length}, {Key: action, Action: policydoc.Action(key)}},
			Secrets: []Secret{{Key: key, Length: length}},
		})
	})
}

// Data's underscore_store_names must be what the Rego rule it replaced
// evaluates to on the same store rules, with OPA as the oracle: names that
// sort differently by bytes than by letters, repeated names, stores that
// refuse underscores, and no stores at all. The oracle reads the rules as
// input so that one prepared query serves every store set.
func TestUnderscoreStoreNamesAgreesWithRego(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pq, err := rego.New(
		rego.Query(`x := concat(", ", sort([s.name | some s in input.stores; s.underscore_ok == true]))`),
		rego.SetRegoVersion(ast.RegoV1),
	).PrepareForEval(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pool := []string{"AWS Parameter Store", "aws lower", "Zeta", "Émoji ✓", "GCP Secret Manager", "GCP Secret Manager", "b, c"}
	r := rand.New(rand.NewPCG(9, 9))
	nonEmpty := 0
	for i := range 300 {
		stores := map[string]any{}
		for j := range r.IntN(6) {
			stores[fmt.Sprintf("type-%d", j)] = map[string]any{
				"name":          pool[r.IntN(len(pool))],
				"key_chars":     "A_-",
				"underscore_ok": r.IntN(2) == 0,
			}
		}
		raw, err := json.Marshal(stores)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Data(raw)
		if err != nil {
			t.Fatalf("store set %d: %v", i, err)
		}
		var doc struct {
			Names *string `json:"underscore_store_names"`
		}
		if err := json.Unmarshal(b, &doc); err != nil || doc.Names == nil {
			t.Fatalf("store set %d: data document %s: %v", i, b, err)
		}
		rs, err := pq.Eval(ctx, rego.EvalInput(map[string]any{"stores": stores}))
		if err != nil || len(rs) != 1 {
			t.Fatalf("store set %d: rego: %v (%d results)", i, err, len(rs))
		}
		want, ok := rs[0].Bindings["x"].(string)
		if !ok {
			t.Fatalf("store set %d: rego result %v", i, rs[0].Bindings)
		}
		if *doc.Names != want {
			t.Fatalf("store set %d %s:\n Data %q\n rego %q", i, raw, *doc.Names, want)
		}
		if want != "" {
			nonEmpty++
		}
	}
	if nonEmpty < 100 {
		t.Fatalf("only %d of 300 store sets named a store; the test does not exercise the list", nonEmpty)
	}
}
