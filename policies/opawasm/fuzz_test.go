package opawasm

import (
	"context"
	"encoding/json"
	"testing"
)

// FuzzLoad: whatever bytes arrive as a policy module, Load returns an error
// or a usable policy, and never panics.
func FuzzLoad(f *testing.F) {
	good, err := compileWasm(map[string]string{"p.rego": "package p\nx := input.a\n"}, "p/x")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/3])
	f.Add([]byte{0, 'a', 's', 'm', 1, 0, 0, 0})
	f.Add([]byte{0, 'a', 's', 'm', 1, 0, 0, 0, 2, 13, 1, 3, 'e', 'n', 'v', 6, 'm', 'e', 'm', 'o', 'r', 'y', 2, 0, 1})
	f.Add([]byte("not wasm at all"))
	ctx := context.Background()
	r, err := NewRuntime(ctx, RuntimeOptions{NoDiskCache: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = r.Close(ctx) })
	f.Fuzz(func(t *testing.T, module []byte) {
		p, err := r.Load(ctx, module, nil)
		if err != nil {
			return
		}
		defer p.Close(ctx)
		for ep := range p.Entrypoints() {
			_, _ = p.Eval(ctx, ep, []byte(`{"a": 1}`))
		}
	})
}

// FuzzEval: any input document gives the same decision as OPA's topdown
// (or an error when topdown errs too), and malformed input is an error.
func FuzzEval(f *testing.F) {
	fx := loadDecisionFixture(f)
	f.Add(fx.input)
	for _, in := range decisionInputs {
		f.Add([]byte(in))
	}
	f.Add([]byte(`{"changes": [{"key": 1, "source": "literal", "length": "x"}]}`))
	f.Add([]byte(`{"secrets": [{"key": "A", "length": 40}, {"key": "A", "length": 1}], "context": {"show_prefix": true}}`))
	f.Add([]byte(`[1, 2`))
	f.Add([]byte(`1e400`))
	ctx := context.Background()
	r, err := NewRuntime(ctx, RuntimeOptions{NoDiskCache: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = r.Close(ctx) })
	p, err := r.Load(ctx, fx.wasm, fx.data)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		got, err := p.Eval(ctx, decisionEntrypoint, input)
		if !json.Valid(input) {
			if err == nil && len(input) > 0 {
				t.Fatalf("malformed input %q accepted", input)
			}
			return
		}
		want, werr := topdownResult(fx.modules, "data.tfy.secrets.decision", fx.data, input)
		if werr != nil {
			if err == nil {
				t.Fatalf("input %s: topdown failed (%v) but wasm gave %s", input, werr, got)
			}
			return
		}
		if err != nil {
			t.Fatalf("input %s: %v (topdown: %s)", input, err, want)
		}
		if !sameJSON(t, got, want) {
			t.Fatalf("input %s:\n got %s\nwant %s", input, got, want)
		}
	})
}
