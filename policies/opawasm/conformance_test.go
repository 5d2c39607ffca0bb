package opawasm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/test/cases"
	"github.com/open-policy-agent/opa/v1/test/cases/testdata"
	"github.com/open-policy-agent/opa/v1/util"
)

// OPA publishes its Rego conformance cases (v1/test/cases/testdata) inside
// its module; TestOPAConformance runs them through this evaluator. Each case
// is a query over some modules; the query becomes the body of a rule that
// collects its bindings, that rule is compiled to wasm with OPA's compiler
// and evaluated here, and the bindings are compared with want_result.
//
// Compiling a module costs OPA's compiler and wazero about 100 ms of CPU per
// case, so by default every case of the directories closest to what
// tfy-secrets policies do runs, plus every conformanceStride-th case of the
// rest (a fixed, reproducible sample), on GOMAXPROCS workers.
// OPAWASM_CONFORMANCE=all runs all of them; =small runs the race selection.

// conformanceDirs are run in full: sprintf (answered by the host), and the
// string, set, object and language features the default policies use.
var conformanceDirs = []string{
	"sprintf", "trim", "replacen", "sets", "objectget", "objectkeys",
	"comprehensions", "elsekeyword", "defaultkeyword", "every", "containskeyword",
	"type", "casts",
}

const conformanceStride = 16

// conformanceFloor is the number of passing cases the default selection
// reached when it was set; fewer means a regression.
const conformanceFloor = 221

// Under the race detector (or OPAWASM_CONFORMANCE=small) wazero compiles
// several times slower, so only the sprintf cases and every
// smallStride-th other case run, against their own floor.
const (
	smallStride = 160
	smallFloor  = 13
)

// wasmLimitations are cases OPA's own wasm runtime gets wrong, inside the
// module, before this package sees anything.
var wasmLimitations = map[string]string{
	"strings/format_int: bignum exact (>64-bit integer, all bases + negative)": "format_int is 64-bit in OPA wasm",
}

const conformanceEntrypoint = "conformance/results"

func TestOPAConformance(t *testing.T) {
	t.Parallel()
	mode := os.Getenv("OPAWASM_CONFORMANCE")
	if mode == "" && raceEnabled {
		mode = "small"
	}
	dirs, stride, floor := conformanceDirs, conformanceStride, conformanceFloor
	if mode == "small" {
		dirs, stride, floor = []string{"sprintf"}, smallStride, smallFloor
	}
	set, err := loadConformanceCases()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r, err := NewRuntime(ctx, RuntimeOptions{NoDiskCache: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(ctx)

	var selected []cases.TestCase
	for i, tc := range set {
		dir := path.Base(path.Dir(tc.Filename))
		if mode == "all" || slices.Contains(dirs, dir) || i%stride == 0 {
			selected = append(selected, tc)
		}
	}
	type outcome struct {
		note, skip string
		err        error
	}
	outcomes := make([]outcome, len(selected))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				tc := selected[i]
				o := outcome{note: tc.Note}
				if reason, ok := wasmLimitations[tc.Note]; ok {
					o.skip = "wasm_limitation"
					t.Logf("not run: %s: %s", tc.Note, reason)
				} else {
					o.skip, o.err = runConformanceCase(ctx, r, tc)
				}
				outcomes[i] = o
			}
		})
	}
	for i := range selected {
		next <- i
	}
	close(next)
	wg.Wait()

	skipped := map[string]int{}
	var run, passed int
	var failures []string
	for _, o := range outcomes {
		switch {
		case o.skip != "":
			skipped[o.skip]++
		case o.err != nil:
			run++
			failures = append(failures, fmt.Sprintf("%s: %v", o.note, o.err))
		default:
			run++
			passed++
		}
	}
	reasons := make([]string, 0, len(skipped))
	for reason, n := range skipped {
		reasons = append(reasons, fmt.Sprintf("%s=%d", reason, n))
	}
	sort.Strings(reasons)
	t.Logf("OPA conformance: %d cases selected of %d; run %d, passed %d, failed %d; skipped %s",
		len(selected), len(set), run, passed, len(failures), strings.Join(reasons, " "))
	for _, f := range failures {
		t.Log("failed: " + f)
	}
	if passed < floor {
		t.Fatalf("%d cases passed; the floor is %d", passed, floor)
	}
}

// loadConformanceCases reads every rego.v1 case, sorted by file and note.
func loadConformanceCases() ([]cases.TestCase, error) {
	var out []cases.TestCase
	err := fs.WalkDir(testdata.V1, "v1", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(testdata.V1, p)
		if err != nil {
			return err
		}
		var s cases.Set
		if err := util.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		for _, c := range s.Sorted().Cases {
			c.Filename = p
			out = append(out, c)
		}
		return nil
	})
	if len(out) == 0 && err == nil {
		err = errors.New("no conformance cases found")
	}
	return out, err
}

// runConformanceCase returns a skip reason, or the case's failure.
func runConformanceCase(ctx context.Context, r *Runtime, tc cases.TestCase) (string, error) {
	switch {
	case tc.WantError != nil || tc.WantErrorCode != nil:
		return "want_error", nil
	case tc.InputTerm != nil:
		return "input_term_not_json", nil
	case len(tc.Env) > 0:
		return "needs_env", nil
	case tc.ExperimentalKeywords:
		return "experimental_keywords", nil
	case tc.WantResult == nil && tc.WantDefined == nil:
		return "no_expectation", nil
	}
	wrapper, err := wrapQuery(tc.Query)
	if err != nil {
		return "query_not_wrappable", nil
	}
	mods := map[string]string{"conformance_wrapper.rego": wrapper}
	for i, m := range tc.Modules {
		mods[fmt.Sprintf("module-%d.rego", i)] = m
	}
	wasm, err := compileWasm(mods, conformanceEntrypoint)
	if err != nil {
		return "wasm_compile_error", nil
	}
	var data []byte
	if tc.Data != nil {
		if data, err = json.Marshal(*tc.Data); err != nil {
			return "data_not_json", nil
		}
	}
	var input []byte
	if tc.Input != nil {
		if input, err = json.Marshal(*tc.Input); err != nil {
			return "input_not_json", nil
		}
	}
	p, err := r.Load(ctx, wasm, data)
	var ub *UnsupportedBuiltinsError
	if errors.As(err, &ub) {
		return "unsupported_builtin", nil
	} else if err != nil {
		return "", fmt.Errorf("load: %w", err)
	}
	defer p.Close(ctx)
	got, err := p.Eval(ctx, conformanceEntrypoint, input)
	if err != nil {
		return "", err
	}
	var rows []any
	if err := json.Unmarshal(got, &rows); err != nil {
		return "", fmt.Errorf("result %s: %w", got, err)
	}
	if tc.WantResult == nil {
		if (len(rows) > 0) != *tc.WantDefined {
			return "", fmt.Errorf("defined=%v, want %v", len(rows) > 0, *tc.WantDefined)
		}
		return "", nil
	}
	want, err := json.Marshal(*tc.WantResult)
	if err != nil {
		return "want_result_not_json", nil
	}
	if !sameRows(got, want, tc.SortBindings) {
		return "", fmt.Errorf("got %s, want %s", got, want)
	}
	return "", nil
}

// wrapQuery turns a query into a rule collecting its bindings, the way a
// query's result set lists them: one object per solution, keyed by every
// variable the query binds (not data, input, or generated ones).
func wrapQuery(query string) (string, error) {
	body, err := ast.ParseBodyWithOpts(query, ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		return "", err
	}
	vis := ast.NewVarVisitor().WithParams(ast.VarVisitorParams{SkipRefHead: true, SkipClosures: true})
	vis.Walk(body)
	var names []string
	for v := range vis.Vars() {
		s := string(v)
		if s == "data" || s == "input" || v.IsGenerated() || v.IsWildcard() || strings.HasPrefix(s, "__") {
			continue
		}
		names = append(names, s)
	}
	sort.Strings(names)
	var obj strings.Builder
	obj.WriteString("{")
	for i, n := range names {
		if i > 0 {
			obj.WriteString(", ")
		}
		fmt.Fprintf(&obj, "%q: %s", n, n)
	}
	obj.WriteString("}")
	return fmt.Sprintf("package conformance\n\nresults contains %s if {\n%s\n}\n", obj.String(), query), nil
}

// sameRows compares result sets as sets of rows, with numbers by value and,
// for sort_bindings cases, array bindings as sets.
func sameRows(got, want []byte, sortBindings bool) bool {
	canon := func(b []byte) ([]string, bool) {
		var rows []map[string]any
		if err := util.UnmarshalJSON(b, &rows); err != nil {
			return nil, false
		}
		out := make([]string, len(rows))
		for i, row := range rows {
			for k, v := range row {
				v = canonNumbers(v)
				if a, ok := v.([]any); ok && sortBindings {
					slices.SortFunc(a, func(x, y any) int {
						xs, _ := json.Marshal(x)
						ys, _ := json.Marshal(y)
						return strings.Compare(string(xs), string(ys))
					})
				}
				row[k] = v
			}
			b, err := json.Marshal(row)
			if err != nil {
				return nil, false
			}
			out[i] = string(b)
		}
		sort.Strings(out)
		return slices.Compact(out), true
	}
	g, ok1 := canon(got)
	w, ok2 := canon(want)
	return ok1 && ok2 && slices.Equal(g, w)
}

// canonNumbers replaces every json.Number with a canonical text of its value.
func canonNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _, err := big.ParseFloat(string(x), 10, 256, big.ToNearestEven)
		if err != nil {
			return string(x)
		}
		return "number:" + f.Text('g', 60)
	case []any:
		for i := range x {
			x[i] = canonNumbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = canonNumbers(x[k])
		}
	}
	return v
}
