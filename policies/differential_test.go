package policies_test

import (
	"context"
	"encoding/json"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/policies"
	"github.com/tfy-secrets/tfy-secrets/policies/authoring"
	"github.com/tfy-secrets/tfy-secrets/policies/internal/defaultinput"
	"github.com/tfy-secrets/tfy-secrets/policies/opawasm"
)

var diffN = flag.Int("diff.n", 400, "inputs per policy in the differential corpus")

// pair evaluates one policy two ways: the compiled module on our runtime,
// and OPA's topdown evaluator on the Rego it was compiled from.
type pair struct {
	name    string
	wasm    *opawasm.Policy
	topdown rego.PreparedEvalQuery
}

func (p pair) both(t testing.TB, input []byte) (wasm, topdown any) {
	t.Helper()
	ctx := context.Background()
	raw, err := p.wasm.Eval(ctx, policies.Entrypoint, input)
	if err != nil {
		t.Fatalf("%s: wasm eval of %s: %v", p.name, input, err)
	}
	if err := json.Unmarshal(raw, &wasm); err != nil {
		t.Fatalf("%s: wasm result %s: %v", p.name, raw, err)
	}
	parsed, err := ast.ValueFromReader(strings.NewReader(string(input)))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := p.topdown.Eval(ctx, rego.EvalParsedInput(parsed))
	if err != nil || len(rs) != 1 {
		t.Fatalf("%s: topdown eval of %s: %v (%d results)", p.name, input, err, len(rs))
	}
	b, err := json.Marshal(rs[0].Expressions[0].Value)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &topdown); err != nil {
		t.Fatal(err)
	}
	return wasm, topdown
}

// pairs builds the default policy (the committed default.wasm) and every
// example (built the way `tfy-secrets policy build` builds it).
func pairs(t testing.TB) []pair {
	t.Helper()
	ctx := context.Background()
	rt, err := opawasm.NewRuntime(ctx, opawasm.RuntimeOptions{CacheDir: cacheDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close(ctx) })
	// Both sides of a pair read the same data document: the default
	// policy the one the engine builds (store rules plus what it derives
	// from them), an example the store rules alone, as organisation
	// policies see them.
	defaultData := dataDocument(t, true)
	orgData := dataDocument(t, false)

	load := func(name string, wasm []byte, files []string, dataJSON []byte) pair {
		var data map[string]any
		if err := json.Unmarshal(dataJSON, &data); err != nil {
			t.Fatal(err)
		}
		p, err := rt.Load(ctx, wasm, dataJSON)
		if err != nil {
			t.Fatalf("%s: load: %v", name, err)
		}
		opts := []func(*rego.Rego){
			rego.Query("data.tfy.secrets.decision"),
			rego.Store(inmem.NewFromObject(data)),
			rego.SetRegoVersion(ast.RegoV1),
		}
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			opts = append(opts, rego.Module(f, string(src)))
		}
		pq, err := rego.New(opts...).PrepareForEval(ctx)
		if err != nil {
			t.Fatalf("%s: prepare: %v", name, err)
		}
		return pair{name: name, wasm: p, topdown: pq}
	}

	defaults, err := os.ReadFile("default.wasm")
	if err != nil {
		t.Fatal(err)
	}
	out := []pair{load("defaults", defaults, defaultSources(t), defaultData)}
	for _, ex := range []string{"prod-delete", "upper-kebab", "loosen"} {
		b, err := os.ReadFile(buildExample(t, ex))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, load(ex, bundleWasm(t, b), []string{filepath.Join("examples", ex, "policy.rego")}, orgData))
	}
	return out
}

// dataDocument is the test store rules as the default policy's data
// document (defaultinput.Data, as the engine builds it) or as an organisation
// policy's ({"stores": ...} alone).
func dataDocument(t testing.TB, forDefault bool) []byte {
	t.Helper()
	if forDefault {
		b, err := defaultinput.Data(testStores(t))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	b, err := json.Marshal(map[string]json.RawMessage{"stores": testStores(t)})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func defaultSources(t testing.TB) []string {
	t.Helper()
	all, err := filepath.Glob("*.rego")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range all {
		if !strings.HasSuffix(f, authoring.TestSuffix) {
			out = append(out, f)
		}
	}
	return out
}

// Our compiled decision equals OPA's own evaluation of the same Rego on a
// generated corpus (design section 6).
func TestDifferentialAgainstTopdown(t *testing.T) {
	t.Parallel()
	inputs := corpus(*diffN, 42)
	for _, p := range pairs(t) {
		denied := 0
		for i, in := range inputs {
			doc, err := json.Marshal(in)
			if err != nil {
				t.Fatal(err)
			}
			wasm, topdown := p.both(t, doc)
			if !reflect.DeepEqual(wasm, topdown) {
				t.Fatalf("%s, input %d %s:\n wasm    %v\n topdown %v", p.name, i, doc, wasm, topdown)
			}
			if d, ok := wasm.(map[string]any)["deny"].([]any); ok && len(d) > 0 {
				denied++
			}
		}
		t.Logf("%s: %d inputs agree (%d denied)", p.name, len(inputs), denied)
		if p.name != "loosen" && p.name != "prod-delete" && denied == 0 {
			t.Errorf("%s: no input was denied; the corpus does not exercise the policy", p.name)
		}
	}
}

// Decide sends the default policy a reduced input (only the fields its rules
// read); its decision must equal OPA's evaluation of the same Rego on the
// whole document, so a rule reading a field the reduction drops fails here.
func TestDecideOnLeanInputAgreesWithTopdown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	def := pairs(t)[0]
	e := newEngine(t, "")
	for i, in := range corpus(*diffN, 7) {
		doc, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		_, topdown := def.both(t, doc)
		d, err := e.Decide(ctx, in)
		if err != nil {
			t.Fatalf("input %d %s: decide: %v", i, doc, err)
		}
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		var got any
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, topdown) {
			t.Fatalf("input %d %s:\n decide  %v\n topdown %v", i, doc, got, topdown)
		}
	}
}

// FuzzDifferential drives the comparison with arbitrary keys (any bytes,
// invalid UTF-8 included) and lengths on top of a seeded random input.
func FuzzDifferential(f *testing.F) {
	f.Add(uint64(1), "DB_PASSWORD", 24)
	f.Add(uint64(2), "ключ", 16)
	f.Add(uint64(3), "", 0)
	f.Add(uint64(4), "a\xffb", 65537)
	f.Add(uint64(5), strings.Repeat("Z", 1012), 4097)
	ps := pairs(f)
	f.Fuzz(func(t *testing.T, seed uint64, key string, length int) {
		r := rand.New(rand.NewPCG(seed, seed))
		in := randomInput(r)
		if length < 0 {
			length = -(length + 1)
		}
		in.Changes = append(in.Changes, policydoc.Change{Key: key, Action: pick(r, policydoc.Actions), Source: pick(r, policydoc.Sources), Length: length})
		in.Secrets = append(in.Secrets, policydoc.Secret{Key: key, Length: length})
		doc, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			wasm, topdown := p.both(t, doc)
			if !reflect.DeepEqual(wasm, topdown) {
				t.Fatalf("%s, input %s:\n wasm    %v\n topdown %v", p.name, doc, wasm, topdown)
			}
		}
	})
}
