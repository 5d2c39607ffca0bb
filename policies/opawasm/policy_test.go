package opawasm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// decisionInputs vary the realistic input along every rule of the fixture.
var decisionInputs = []string{
	`{"operation":"group.list","context":{}}`,
	`{"operation":"group.delete","context":{"dry_run":false}}`,
	`{"operation":"group.delete","context":{"dry_run":true}}`,
	`{"operation":"group.create","integration":{"provider":"azure"},"changes":[{"key":"A_B","action":"add","source":"env","length":3},{"key":"ok-key","action":"add","source":"literal","length":30000}],"context":{"ci":true}}`,
	`{"operation":"secret.get","secrets":[{"key":"LONG","length":40},{"key":"SHORT","length":4}],"context":{"show_prefix":true}}`,
	`{"operation":"secret.get","secrets":[{"key":"LONG","length":40}],"context":{"show_prefix":false}}`,
	`{"operation":"group.update","changes":[{"key":"ünïcødé \"quoted\"","action":"add","source":"literal","length":1.5}],"context":{}}`,
	// Invalid UTF-8 inside a string: Go's JSON decoder reads U+FFFD.
	"{\"operation\":\"group.create\",\"changes\":[{\"key\":\"a\xffb\xc3\",\"action\":\"add\",\"source\":\"literal\"}]}",
}

func TestEvalMatchesTopdown(t *testing.T) {
	t.Parallel()
	fx := loadDecisionFixture(t)
	r := newTestRuntime(t)
	fast := mustLoad(t, r, fx.wasm, fx.data)
	classic := mustLoad(t, r, fx.wasm, fx.data)
	classic.classic = true
	ctx := context.Background()
	for i, in := range append(decisionInputs, string(fx.input)) {
		want := topdown(t, fx.modules, "data.tfy.secrets.decision", fx.data, []byte(in))
		for name, p := range map[string]*Policy{"opa_eval": fast, "classic": classic} {
			got, err := p.Eval(ctx, decisionEntrypoint, []byte(in))
			if err != nil {
				t.Fatalf("input %d (%s): %v", i, name, err)
			}
			if !sameJSON(t, got, want) {
				t.Errorf("input %d (%s):\n got %s\nwant %s", i, name, got, want)
			}
		}
	}
}

func TestEntrypointsAndData(t *testing.T) {
	t.Parallel()
	mods := map[string]string{"p.rego": `package p
a := data.x
b := input.y
c := count(data.list)
`}
	wasm := mustCompile(t, mods, "p/a", "p/b", "p/c")
	r := newTestRuntime(t)
	ctx := context.Background()
	p := mustLoad(t, r, wasm, []byte(`{"x": {"k": [1, "two", null]}, "list": [1, 2, 3]}`))

	eps := p.Entrypoints()
	if len(eps) != 3 || eps["p/a"] == eps["p/b"] {
		t.Fatalf("Entrypoints() = %v", eps)
	}
	eps["p/a"] = 99 // a copy: must not change the policy
	if p.Entrypoints()["p/a"] == 99 {
		t.Fatal("Entrypoints() returned the policy's own map")
	}
	for _, tc := range []struct{ ep, input, want string }{
		{"p/a", "", `{"k":[1,"two",null]}`},
		{"p/b", `{"y": 42}`, `42`},
		{"p/c", `{}`, `3`},
	} {
		got, err := p.Eval(ctx, tc.ep, []byte(tc.input))
		if err != nil || !sameJSON(t, got, []byte(tc.want)) {
			t.Errorf("Eval(%s, %q) = %s, %v; want %s", tc.ep, tc.input, got, err, tc.want)
		}
	}

	// No data at all means data is {}: data.x is undefined.
	empty := mustLoad(t, r, wasm, nil)
	got, err := empty.Eval(ctx, "p/a", nil)
	if !errors.Is(err, ErrUndefined) || got != nil {
		t.Fatalf("Eval with nil data = %s, %v; want ErrUndefined", got, err)
	}
}

func TestEvalErrors(t *testing.T) {
	t.Parallel()
	mods := map[string]string{"p.rego": `package p
x := input.a
`}
	wasm := mustCompile(t, mods, "p/x")
	r := newTestRuntime(t)
	ctx := context.Background()
	p := mustLoad(t, r, wasm, nil)
	for _, tc := range []struct{ name, ep, input, want string }{
		{"unknown entrypoint", "p/nope", `{}`, `unknown entrypoint "p/nope"`},
		{"malformed input", "p/x", `{"a": `, "input is not valid JSON"},
		{"undefined", "p/x", `{"b": 1}`, ErrUndefined.Error()},
	} {
		out, err := p.Eval(ctx, tc.ep, []byte(tc.input))
		if err == nil || !strings.Contains(err.Error(), tc.want) || out != nil {
			t.Errorf("%s: Eval = %s, %v; want error containing %q", tc.name, out, err, tc.want)
		}
	}
	if _, err := r.Load(ctx, wasm, []byte(`{"x": `)); err == nil || !strings.Contains(err.Error(), "data is not valid JSON") {
		t.Errorf("Load with malformed data: %v", err)
	}
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Eval(ctx, "p/x", []byte(`{"a":1}`)); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Eval after Close: %v", err)
	}
}

func TestLoadRefusesUnsupportedBuiltin(t *testing.T) {
	t.Parallel()
	wasm := mustCompile(t, map[string]string{"p.rego": `package p
x := time.now_ns()
y := crypto.sha256(input.s)
`}, "p/x", "p/y")
	r := newTestRuntime(t)
	_, err := r.Load(context.Background(), wasm, nil)
	var ub *UnsupportedBuiltinsError
	if !errors.As(err, &ub) {
		t.Fatalf("Load = %v; want UnsupportedBuiltinsError", err)
	}
	if fmt.Sprint(ub.Names) != "[crypto.sha256 time.now_ns]" || !strings.Contains(err.Error(), "time.now_ns") {
		t.Fatalf("error %q names %v", err, ub.Names)
	}
}

func TestLoadRefusesMalformedModules(t *testing.T) {
	t.Parallel()
	good := mustCompile(t, map[string]string{"p.rego": "package p\nx := 1\n"}, "p/x")
	// A valid wasm module that is not an OPA policy: it defines its own
	// memory and imports nothing.
	plain := []byte{0, 'a', 's', 'm', 1, 0, 0, 0, 5, 3, 1, 0, 1}
	r := newTestRuntime(t)
	for _, tc := range []struct {
		name   string
		module []byte
		want   string
	}{
		{"empty", nil, "not a wasm module"},
		{"text", []byte("package p\nx := 1\n"), "not a wasm module"},
		{"truncated header", good[:6], "not a wasm module"},
		{"truncated body", good[:len(good)/2], "malformed wasm"},
		{"not an OPA module", plain, "does not import env.memory"},
		{"bad section order", append(append([]byte{}, good[:8]...), 11, 1, 0, 1, 1, 0), "malformed wasm"},
	} {
		if _, err := r.Load(context.Background(), tc.module, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Load = %v; want error containing %q", tc.name, err, tc.want)
		}
	}
}

func TestAbortDiscardsInstance(t *testing.T) {
	t.Parallel()
	// Two complete-rule values for one input is a conflict OPA reports as an
	// error; the wasm module reports it through opa_abort.
	mods := map[string]string{"p.rego": `package p
x := 1 if input.a
x := 2 if input.b
`}
	wasm := mustCompile(t, mods, "p/x")
	r := newTestRuntime(t)
	ctx := context.Background()
	p := mustLoad(t, r, wasm, nil)
	if _, err := p.Eval(ctx, "p/x", []byte(`{"a": true, "b": true}`)); err == nil || !strings.Contains(err.Error(), "policy aborted") {
		t.Fatalf("conflict: Eval = %v; want a policy abort", err)
	}
	got, err := p.Eval(ctx, "p/x", []byte(`{"b": true}`))
	if err != nil || string(got) != "2" {
		t.Fatalf("after abort: Eval = %s, %v; want 2", got, err)
	}
}

func TestCancelledContextStopsEvaluation(t *testing.T) {
	t.Parallel()
	mods := map[string]string{"p.rego": `package p
x := count([n | some n in numbers.range(1, input.n); n % 7 == 0])
msgs := [sprintf("%d", [n]) | some n in numbers.range(1, input.n)]
`}
	wasm := mustCompile(t, mods, "p/x", "p/msgs")
	r := newTestRuntime(t)
	p := mustLoad(t, r, wasm, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Eval(ctx, "p/x", []byte(`{"n": 70}`)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Eval with a cancelled context = %v; want context.Canceled", err)
	}

	// Cancelled mid-evaluation: the next host builtin call stops it.
	ctx, cancel = context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := p.Eval(ctx, "p/msgs", []byte(`{"n": 100000000}`))
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Eval cancelled mid-way = %v; want context.Canceled", err)
	}
	got, err := p.Eval(context.Background(), "p/x", []byte(`{"n": 70}`))
	if err != nil || string(got) != "10" {
		t.Fatalf("after cancel: Eval = %s, %v; want 10", got, err)
	}
}

func TestConcurrentEval(t *testing.T) {
	t.Parallel()
	mods := map[string]string{"p.rego": `package p
msg := sprintf("%s has %d keys: %v", [input.name, count(input.keys), input.keys])
`}
	wasm := mustCompile(t, mods, "p/msg")
	r := newTestRuntime(t)
	p := mustLoad(t, r, wasm, nil)
	const goroutines, evals = 16, 100
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			for i := range evals {
				in := fmt.Sprintf(`{"name": "g%d", "keys": [%d, "k%d"]}`, g, i, i)
				want := fmt.Sprintf(`"g%d has 2 keys: [%d, \"k%d\"]"`, g, i, i)
				got, err := p.Eval(context.Background(), "p/msg", []byte(in))
				if err != nil || string(got) != want {
					errs <- fmt.Errorf("goroutine %d eval %d: %s, %v; want %s", g, i, got, err, want)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestMemoryStableAcrossEvaluations(t *testing.T) {
	t.Parallel()
	// Every evaluation allocates: input parsing, a set and an object built
	// by the policy, and a sprintf answered by the host.
	mods := map[string]string{"p.rego": `package p
keys := {c.key | some c in input.changes}
out := {"n": count(keys), "msg": sprintf("%v", [keys]), "first": input.changes[0]}
`}
	wasm := mustCompile(t, mods, "p/out")
	r := newTestRuntime(t)
	p := mustLoad(t, r, wasm, []byte(`{"big": [1, 2, 3]}`))
	p.maxIdle = 1 // one instance, so its memory is the one measured
	ctx := context.Background()
	in := []byte(`{"changes": [{"key": "A", "n": 1}, {"key": "B", "n": 2.5}, {"key": "C"}]}`)
	eval := func() {
		if _, err := p.Eval(ctx, "p/out", in); err != nil {
			t.Fatal(err)
		}
	}
	for range 1000 {
		eval()
	}
	pages := func() uint32 {
		p.mu.Lock()
		defer p.mu.Unlock()
		if len(p.idle) != 1 {
			t.Fatalf("%d idle instances; want 1", len(p.idle))
		}
		return p.idle[0].mem.Size() / 65536
	}
	before := pages()
	for range 100_000 {
		eval()
	}
	if after := pages(); after != before {
		t.Fatalf("memory grew from %d to %d pages over 100k evaluations", before, after)
	}
}
