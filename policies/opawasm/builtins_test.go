package opawasm

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// sprintfCases are sprintf calls as Rego expressions; each must give exactly
// what OPA's topdown gives (or be undefined in both).
var sprintfCases = []string{
	`sprintf("%s and %s", ["a", "b"])`,
	`sprintf("%v|%d|%s", [1, 2, "x"])`,
	`sprintf("%q", ["quote \" and\nnewline"])`,
	`sprintf("%q", ["ünï 😀"])`,
	`sprintf("%5.2f|%e|%g", [3.14159, 1234.5678, 0.000001])`,
	`sprintf("%d", [1.0])`,
	`sprintf("%v %v %v", [1.0, 1.50, 1e3])`,
	`sprintf("%d %x %o %b", [255, 255, 8, 5])`,
	`sprintf("%d", [123456789012345678901234567890])`,
	`sprintf("%v", [-0])`,
	`sprintf("%v", [[1, "a", null, true]])`,
	`sprintf("%v", [{"b": 1, "a": [2], "c": {"z": 1, "y": 2}}])`,
	`sprintf("%v", [{3: "x", "k": 1, 1: "y", null: 0, false: 1}])`,
	`sprintf("%v", [{"c", "a", "b"}])`,
	`sprintf("%v", [{3, 1, "x", [1], {"k": 1}, null}])`,
	`sprintf("%v", [set()])`,
	`sprintf("%v %v", [{}, []])`,
	`sprintf("%s", [{"x"}])`,
	`sprintf("%v", [["ünï\u0001", "tab\t"]])`,
	`sprintf("%v", [null])`,
	`sprintf("%v %t", [true, false])`,
	`sprintf("%T %T %T", [1, 1.5, "s"])`,
	`sprintf("%d", ["not a number"])`,
	`sprintf("%s %s", ["only one"])`,
	`sprintf("no verbs", ["extra"])`,
	`sprintf("%v", [{"k": {1, 2}, "j": [{"z"}]}])`,
	`sprintf("%-8s|%8s|%08.3f", ["l", "r", -2.5])`,
	`sprintf("%v", [{1.5: "a", 1: "b", 2: "c", -1: "d"}])`,
	`sprintf("%v", [[1.0, 100000000000000000000, 1e-7]])`,
	`sprintf(input.format, input.args)`,
	`sprintf(input.args, input.format)`,
	`sprintf("%v", input.args)`,
	`sprintf("%v", input.set_like)`,
	`strings.any_prefix_match("abc", ["x", "ab"])`,
	`strings.any_prefix_match(["zzz", "abc"], {"x", "abd"})`,
	`strings.any_suffix_match({"abc", "q"}, "bc")`,
	`strings.any_suffix_match("abc", input.numbers)`,
	`strings.any_suffix_match(input.args, "c")`,
}

func TestHostBuiltinsMatchTopdown(t *testing.T) {
	t.Parallel()
	var src strings.Builder
	src.WriteString("package p\n")
	eps := make([]string, len(sprintfCases))
	for i, c := range sprintfCases {
		fmt.Fprintf(&src, "r%d := %s\n", i, c)
		eps[i] = fmt.Sprintf("p/r%d", i)
	}
	mods := map[string]string{"p.rego": src.String()}
	wasm := mustCompile(t, mods, eps...)
	r := newTestRuntime(t)
	p := mustLoad(t, r, wasm, nil)
	input := []byte(`{"format": "%s=%v", "args": ["k", {"v": [1, 2.5]}], "set_like": {"x": 1}, "numbers": [1]}`)
	for i, c := range sprintfCases {
		want := topdown(t, mods, fmt.Sprintf("data.p.r%d", i), nil, input)
		got, err := p.Eval(context.Background(), eps[i], input)
		if err != nil && (want != nil || !strings.Contains(err.Error(), ErrUndefined.Error())) {
			t.Errorf("%s: %v (topdown: %s)", c, err, want)
			continue
		}
		if string(got) != string(want) {
			t.Errorf("%s:\n got %s\nwant %s", c, got, want)
		}
	}
}

func TestSupportedBuiltins(t *testing.T) {
	t.Parallel()
	got := SupportedBuiltins()
	if !slices.IsSorted(got) || !slices.Contains(got, "sprintf") {
		t.Fatalf("SupportedBuiltins() = %v; want a sorted list containing sprintf", got)
	}
}
