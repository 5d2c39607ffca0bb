package opawasm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/compile"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// compileWasm builds modules (path -> Rego source, rego.v1 syntax) into a
// policy.wasm with OPA's own compiler, the way `opa build -t wasm` does.
func compileWasm(modules map[string]string, entrypoints ...string) ([]byte, error) {
	return compileWasmVersion(ast.RegoV1, modules, entrypoints...)
}

func compileWasmVersion(version ast.RegoVersion, modules map[string]string, entrypoints ...string) ([]byte, error) {
	b := &bundle.Bundle{Data: map[string]any{}}
	b.SetRegoVersion(version)
	b.Manifest.Init()
	paths := make([]string, 0, len(modules))
	for p := range modules {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		parsed, err := ast.ParseModuleWithOpts(p, modules[p], ast.ParserOptions{RegoVersion: version})
		if err != nil {
			return nil, err
		}
		b.Modules = append(b.Modules, bundle.ModuleFile{URL: p, Path: p, Raw: []byte(modules[p]), Parsed: parsed})
	}
	c := compile.New().WithTarget(compile.TargetWasm).WithRegoVersion(version).WithEntrypoints(entrypoints...).WithBundle(b)
	if err := c.Build(context.Background()); err != nil {
		return nil, err
	}
	return c.Bundle().WasmModules[0].Raw, nil
}

func mustCompile(t testing.TB, modules map[string]string, entrypoints ...string) []byte {
	t.Helper()
	wasm, err := compileWasm(modules, entrypoints...)
	if err != nil {
		t.Fatalf("compile rego to wasm: %v", err)
	}
	return wasm
}

// newTestRuntime returns a runtime with a private disk cache in a temp dir.
func newTestRuntime(t testing.TB) *Runtime {
	t.Helper()
	ctx := context.Background()
	r, err := NewRuntime(ctx, RuntimeOptions{CacheDir: t.TempDir()})
	if err != nil {
		t.Fatalf("NewRuntime: %v", err)
	}
	if r.CacheError() != nil {
		t.Fatalf("cache not in use: %v", r.CacheError())
	}
	t.Cleanup(func() { _ = r.Close(ctx) })
	return r
}

func mustLoad(t testing.TB, r *Runtime, wasm, data []byte) *Policy {
	t.Helper()
	ctx := context.Background()
	p, err := r.Load(ctx, wasm, data)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	t.Cleanup(func() { _ = p.Close(ctx) })
	return p
}

// topdown evaluates query with OPA's own interpreter, the reference every
// result of this package is compared with. It returns the JSON of the first
// result's value, or nil when the query is undefined.
func topdown(t testing.TB, modules map[string]string, query string, data, input []byte) []byte {
	t.Helper()
	out, err := topdownResult(modules, query, data, input)
	if err != nil {
		t.Fatalf("topdown %s: %v", query, err)
	}
	return out
}

func topdownResult(modules map[string]string, query string, data, input []byte) ([]byte, error) {
	opts := []func(*rego.Rego){rego.Query(query)}
	for p, src := range modules {
		opts = append(opts, rego.Module(p, src))
	}
	if len(data) > 0 {
		d, err := decodeJSON(data)
		if err != nil {
			return nil, fmt.Errorf("data: %w", err)
		}
		opts = append(opts, rego.Store(inmem.NewFromObject(d.(map[string]any))))
	}
	if len(input) > 0 {
		in, err := decodeJSON(input)
		if err != nil {
			return nil, fmt.Errorf("input: %w", err)
		}
		opts = append(opts, rego.Input(in))
	}
	rs, err := rego.New(opts...).Eval(context.Background())
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	return json.Marshal(rs[0].Expressions[0].Value)
}

func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data")
	}
	return v, nil
}

// normalJSON decodes b with every number replaced by a canonical text, so
// 1.50 and 1.5 (or 1e400, which float64 cannot hold) compare by value.
func normalJSON(t testing.TB, b []byte) any {
	t.Helper()
	v, err := decodeJSON(b)
	if err != nil {
		t.Fatalf("not JSON: %v: %q", err, b)
	}
	var norm func(any) any
	norm = func(v any) any {
		switch x := v.(type) {
		case json.Number:
			f, _, err := big.ParseFloat(string(x), 10, 256, big.ToNearestEven)
			if err != nil {
				return string(x)
			}
			return f.Text('g', 60)
		case []any:
			for i := range x {
				x[i] = norm(x[i])
			}
		case map[string]any:
			for k := range x {
				x[k] = norm(x[k])
			}
		}
		return v
	}
	return norm(v)
}

// sameJSON reports whether a and b are the same JSON document.
func sameJSON(t testing.TB, a, b []byte) bool {
	t.Helper()
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return reflect.DeepEqual(normalJSON(t, a), normalJSON(t, b))
}

// decisionFixture is the realistic policy in testdata/decision.
type decisionFixture struct {
	modules map[string]string
	wasm    []byte
	data    []byte
	input   []byte
}

const decisionEntrypoint = "tfy/secrets/decision"

// decisionDocument is one decision input as JSON text and as the Document
// writeAny builds from it.
type decisionDocument struct {
	json string
	doc  *Document
}

// documents returns the decision inputs, the fixture's own included, that
// writeAny can build as a Document; fewer than five fails the test.
func (fx decisionFixture) documents(t *testing.T) []decisionDocument {
	t.Helper()
	var out []decisionDocument
	for _, in := range append(decisionInputs, string(fx.input)) {
		var v any
		if err := json.Unmarshal([]byte(in), &v); err != nil {
			t.Fatal(err)
		}
		d := new(Document)
		if writeAny(d, v) {
			out = append(out, decisionDocument{json: in, doc: d})
		}
	}
	if len(out) < 5 {
		t.Fatalf("only %d inputs could be written as documents", len(out))
	}
	return out
}

func loadDecisionFixture(t testing.TB) decisionFixture {
	t.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", "decision", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	mods := map[string]string{"decision.rego": string(read("decision.rego"))}
	return decisionFixture{
		modules: mods,
		wasm:    mustCompile(t, mods, decisionEntrypoint),
		data:    read("data.json"),
		input:   read("input.json"),
	}
}
