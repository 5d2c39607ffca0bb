package eval

import (
	"context"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want Options
		ok   bool
	}{
		{[]string{"--input", "in.json"}, Options{Input: "in.json"}, true},
		{[]string{"--input=-"}, Options{Input: "-"}, true},
		{nil, Options{}, false},
		{[]string{"in.json"}, Options{}, false},
	} {
		var got *Options
		err := hosttest.Parse(NewCmd(nil, func(_ context.Context, o *Options) error { got = o; return nil }), tc.args...)
		if tc.ok != (err == nil) || (tc.ok && *got != tc.want) {
			t.Errorf("%q: %+v, %v", tc.args, got, err)
		}
	}
}

func TestCheckInput(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
	}{
		{`{"operation":"group.list"}`, ""},
		{`{}`, ""},
		{``, "not valid JSON"},
		{`{"a":`, "not valid JSON"},
		{`{"a":1,}`, "not valid JSON at byte 8"},
		{`[]`, "must be a JSON object"},
		{`"s"`, "must be a JSON object"},
		{`{} {}`, "not valid JSON at byte 4"},
	} {
		err := CheckInput([]byte(tc.in), "in.json")
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%q: %v, want %q", tc.in, err, tc.want)
		}
	}
}

// fixedTexts is the wording of CheckInput's errors for "in.json".
const fixedTexts = "--input in.json: not valid JSON at byte --input in.json: the policy input must be a JSON object"

// FuzzCheckInput: any bytes give nil or a usage error that quotes nothing
// of the document.
func FuzzCheckInput(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":[1,2,{"b":null}]}`, `{`, `[]`, "\xff", `{"k":"canary-secret-value"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		err := CheckInput(b, "in.json")
		if err != nil && len(b) >= 8 && strings.Contains(err.Error(), string(b)) && !strings.Contains(fixedTexts, string(b)) {
			t.Fatalf("error quotes the document: %v", err)
		}
	})
}
