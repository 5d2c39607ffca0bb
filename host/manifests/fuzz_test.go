package manifests

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/host/render"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

// FuzzParseTarget: any argument either parses into readings whose parts
// hold no ':', whitespace or control character, or is a usage error whose
// message is one of the fixed ones (numbers aside): none repeats any of
// the argument.
func FuzzParseTarget(f *testing.F) {
	bad := []string{"", strings.Repeat("g", maxTarget+1), "\xff", "a b", "K=v", "tfy-secret://a/b", "a::b", "tfy-secret://a:b", "a:b:c:d"}
	fixed := map[string]bool{}
	for _, s := range bad {
		_, err := ParseTarget(s)
		fixed[withoutDigits(err.Error())] = true
		f.Add(s)
	}
	for _, s := range []string{"payments", "demo:payments", "payments:KEY", "demo:payments:KEY", "tfy-secret://demo:payments:KEY"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseTarget(s)
		if err != nil {
			if failure.KindOf(err) != failure.Usage || !fixed[withoutDigits(err.Error())] {
				t.Fatalf("%q: %v is not one of the fixed usage errors", s, err)
			}
			return
		}
		if len(tg.readings) == 0 || tg.About == "" {
			t.Fatalf("%q: no reading", s)
		}
		for _, r := range tg.readings {
			for _, p := range []string{r.tenant, r.group, r.key} {
				if strings.ContainsAny(p, ":=/ \t\r\n") {
					t.Fatalf("%q: part %q", s, p)
				}
			}
			if r.group == "" {
				t.Fatalf("%q: no group", s)
			}
		}
	})
}

func withoutDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return -1
		}
		return r
	}, s)
}

// fuzzCanary is planted as a value beside whatever the fuzzer writes; no
// output of the check may show it.
const fuzzCanary = "fzcnry-9Qd2Wk7Lp3Xv"

// FuzzCheckShowsNoValue checks any file (a planted credential and a
// reference, then the fuzzer's bytes as more documents or a broken tail):
// no format of the report, nor where-used's, shows the planted value, and
// every format is written without error.
func FuzzCheckShowsNoValue(f *testing.F) {
	for _, s := range []string{
		"", "---\nname: b\ntype: job\nenv:\n  K: tfy-secret://demo:app:B_KEY\n", "  X: [\n", "  Y: \"unterminated\n",
		"  Z: *nowhere\n", "  W: TFY-SECRET:/demo:app\n", "---\n- a\n- b: [c\n", "\t\x00\xff",
	} {
		f.Add(s)
	}
	head := "name: a\ntype: service\nenv:\n  API_TOKEN: " + fuzzCanary + "\n  DB_URL: postgres://u:" + fuzzCanary + "@db/x\n  K: tfy-secret://demo:app:A\n"
	f.Fuzz(func(t *testing.T, tail string) {
		if strings.Contains(tail, "fzcnry") {
			return // the fuzzer's own copy of the canary may show as a name
		}
		var s Scan
		if err := s.Add("f.yaml", []byte(head+tail), nil); err != nil {
			t.Fatal(err)
		}
		r := s.Check(pluginAnswer(s.Groups()...), true)
		var out bytes.Buffer
		for _, write := range []func() error{
			func() error { return r.WriteText(&out, true) },
			func() error { return r.WriteGitHub(&out) },
			func() error { return r.WriteSARIF(&out, "v") },
			func() error { return render.Document(&out, render.JSON, r) },
			func() error { return render.Document(&out, render.YAML, r) },
			func() error {
				tg, _ := ParseTarget("app")
				return json.NewEncoder(&out).Encode(s.Uses(tg))
			},
		} {
			if err := write(); err != nil {
				t.Fatal(err)
			}
		}
		if strings.Contains(out.String(), fuzzCanary) {
			t.Fatalf("the planted value came out:\n%s", out.String())
		}
	})
}
