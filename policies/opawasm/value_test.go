package opawasm

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseValueRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, text, rego string }{
		{`null`, `null`, `null`},
		{` true `, `true`, `true`},
		{`-1.5e3`, `-1.5e3`, `-1.5e3`},
		{`"a\"b\\c\u00e9\n"`, `"a\"b\\cé` + "\\u000a" + `"`, `"a\"b\\cé\n"`},
		{`"\ud83d\ude00"`, `"😀"`, `"😀"`},
		{`[1, "x", [], {}]`, `[1,"x",[],{}]`, `[1, "x", [], {}]`},
		{`{"b": 1, "a": 2}`, `{"b":1,"a":2}`, `{"a": 2, "b": 1}`},
		{`{2: "x", "k": null}`, `{2:"x","k":null}`, `{2: "x", "k": null}`},
		{`set()`, `set()`, `set()`},
		{`{"b", "a", 1}`, `{"b","a",1}`, `{1, "a", "b"}`},
		{`{{"x"}, {"y": 1}}`, `{{"x"},{"y":1}}`, `{{"y": 1}, {"x"}}`},
	} {
		v, err := parseValue(tc.in)
		if err != nil {
			t.Errorf("parseValue(%s): %v", tc.in, err)
			continue
		}
		if got := string(appendValue(nil, v)); got != tc.text {
			t.Errorf("appendValue(parseValue(%s)) = %s; want %s", tc.in, got, tc.text)
		}
		if got := string(appendRegoText(nil, v)); got != tc.rego {
			t.Errorf("appendRegoText(parseValue(%s)) = %s; want %s", tc.in, got, tc.rego)
		}
	}
}

func TestParseValueRejectsMalformed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{``, "offset 0: unexpected end"},
		{`nul`, "offset 0: unexpected character"},
		{`[1, 2`, "offset 5: unexpected end"},
		{`[1 2]`, "offset 3: expected ','"},
		{`{"a" 1}`, "offset 5: expected ',' or '}'"},
		{`{"a": 1, "b"}`, "offset 12: expected ':' in object"},
		{`{"a", "b": 1}`, "offset 9: key-value pair in a set"},
		{`"abc`, "offset 0: unterminated string"},
		{`"a` + "\x01" + `"`, "offset 2: control character"},
		{`"\x"`, `offset 0: bad escape \x`},
		{`"\u12"`, `offset 0: bad \u escape`},
		{`1.2.3`, `offset 0: invalid number "1.2.3"`},
		{`--1`, `offset 0: invalid number "--1"`},
		{`-`, `offset 0: invalid number "-"`},
		{`1e+`, `offset 0: invalid number "1e+"`},
		{`[1] x`, "offset 4: trailing characters"},
		{strings.Repeat("[", maxValueDepth+2), "nested too deeply"},
	} {
		v, err := parseValue(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseValue(%q) = %v, %v; want error containing %q", tc.in, v, err, tc.want)
		}
	}
}

func TestAppendJSONMatchesTopdownShape(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{`{"b", "a", 3, null}`, `[null,3,"a","b"]`},
		{`{"z": {2, 1}, "a": .5, 1: 1.}`, `{"1":1,"a":0.5,"z":[1,2]}`},
		{`[set(), {}, "\u0001"]`, `[[],{},"\u0001"]`},
		{`1e400`, `1e400`},
	} {
		v, err := parseValue(tc.in)
		if err != nil {
			t.Fatalf("parseValue(%s): %v", tc.in, err)
		}
		if got := string(appendJSON(nil, v)); got != tc.want {
			t.Errorf("appendJSON(%s) = %s; want %s", tc.in, got, tc.want)
		}
	}
}

func TestCompareValuesOrdersLikeOPA(t *testing.T) {
	t.Parallel()
	// Ascending in Rego's total order.
	ordered := []string{`null`, `false`, `true`, `-2`, `1`, `1.5`, `1e1`, `"A"`, `"a"`, `[]`, `[1]`, `[1, 2]`, `[2]`, `{}`, `{"a": 1}`, `{"a": 2}`, `{"b": 0}`, `set()`, `{1}`, `{1, 2}`, `{2}`}
	vals := make([]value, len(ordered))
	for i, s := range ordered {
		v, err := parseValue(s)
		if err != nil {
			t.Fatal(err)
		}
		vals[i] = v
	}
	for i := range vals {
		for j := range vals {
			got := compareValues(vals[i], vals[j])
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if sign(got) != want {
				t.Errorf("compare(%s, %s) = %d; want sign %d", ordered[i], ordered[j], got, want)
			}
		}
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// FuzzParseValue: any text either fails with an error or parses into a value
// whose rendering parses back to the same rendering.
func FuzzParseValue(f *testing.F) {
	for _, s := range []string{`null`, `[1,"a",{"k":{1,2}}]`, `set()`, `{"a":1}`, `"\ud83d\ude00"`, `-0.5e-3`, `{[1]: {}}`, `"\u0000"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseValue(s)
		if err != nil {
			return
		}
		text := appendValue(nil, v)
		v2, err := parseValue(string(text))
		if err != nil {
			t.Fatalf("rendering %q of %q does not parse: %v", text, s, err)
		}
		if again := appendValue(nil, v2); string(again) != string(text) {
			t.Fatalf("round trip changed %q into %q", text, again)
		}
		_ = appendRegoText(nil, v)
		if js := appendJSON(nil, v); !json.Valid(js) {
			t.Fatalf("appendJSON(%q) = %q is not JSON", s, js)
		}
	})
}
