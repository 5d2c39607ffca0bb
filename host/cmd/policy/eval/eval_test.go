package eval

import (
	"strings"
	"testing"
	"time"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
	"github.com/tfy-secrets/tfy-secrets/host/render"
)

type parseCase = hosttest.ParseCase[Options]

func TestParse(t *testing.T) {
	table := cmdutil.Globals{Output: render.Table}
	hosttest.CheckParse(t, NewCmd, func(o *Options) bool { return hosttest.Wired(&o.Session) },
		parseCase{Args: []string{"--input", "in.json"}, Want: &Options{Globals: table, Input: "in.json"}},
		parseCase{Args: []string{"--input=-"}, Want: &Options{Globals: table, Input: "-"}},
		parseCase{Args: []string{"--input", "in.json", "--policy", "org.tar.gz", "--timeout", "2s", "-o", "json"},
			Want: &Options{Globals: cmdutil.Globals{Output: render.JSON, Policy: "org.tar.gz", Timeout: 2 * time.Second}, Input: "in.json"}},
		parseCase{},
		parseCase{Args: []string{"in.json"}},
	)
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
