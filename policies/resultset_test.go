package policies

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/policies/opawasm"
)

func TestParseResultSet(t *testing.T) {
	t.Parallel()
	good := map[string]struct {
		defined bool
		want    policydoc.Decision
	}{
		`[]`:   {false, policydoc.Decision{}},
		` [ ]`: {false, policydoc.Decision{}},
		`null`: {false, policydoc.Decision{}},
		`[{"result":{"confirm":"yes","deny":["a \"q\" \u00e9\ud83d\ude00 \/"],"mask":{"K":"set"},"warn":[]}}]`: {
			true, policydoc.Decision{Deny: []string{`a "q" é😀 /`}, Warn: []string{}, Confirm: policydoc.ConfirmYes, Mask: map[string]string{"K": policydoc.MaskSet}},
		},
		`[{"other":[1,{"x":-0.5e+3}],"RESULT":{"Deny":["x"],"extra":{"a":[true,false,null]}}}]`: {
			true, policydoc.Decision{Deny: []string{"x"}, Confirm: policydoc.ConfirmNone},
		},
		`[{"result":null}]`:                           {true, policydoc.Decision{Confirm: policydoc.ConfirmNone}},
		"[{\"result\":{\"deny\":[\"bad\xffbyte\"]}}]": {true, policydoc.Decision{Deny: []string{"bad\uFFFDbyte"}, Confirm: policydoc.ConfirmNone}},
		`[{"result":{"deny":["lone \ud800 half"]}}]`:  {true, policydoc.Decision{Deny: []string{"lone \uFFFD half"}, Confirm: policydoc.ConfirmNone}},
	}
	for raw, tt := range good {
		got, defined, err := parseResultSet([]byte(raw))
		if err != nil || defined != tt.defined || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %#v, %v, %v; want %#v, %v", raw, got, defined, err, tt.want, tt.defined)
		}
	}
	bad := map[string]string{
		``:                                    "result set",
		`{}`:                                  "result set",
		`[{"result":{}}] x`:                   "result set",
		`[{"result":{}},{"result":{}}]`:       "more than one result",
		`[{}]`:                                "no result field",
		`[1]`:                                 "result set",
		`[{"result":{}}`:                      "result set",
		`[{"result":[]}]`:                     notADecision,
		`[{"result":{"deny":"x"}}]`:           notADecision,
		`[{"result":{"deny":[1]}}]`:           notADecision,
		`[{"result":{"mask":{"K":"clear"}}}]`: `mask["K"] is "clear"`,
		`[{"result":{"confirm":"maybe"}}]`:    `confirm is "maybe"`,
		`[{"result":{"x":01}}]`:               "result set",
		`[{"result":{"x":"a\qb"}}]`:           "result set",
		"[{\"result\":{\"x\":\"a\nb\"}}]":     "result set",
		`[{"result":{"x":tru}}]`:              "result set",
	}
	for raw, want := range bad {
		_, _, err := parseResultSet([]byte(raw))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one containing %q", raw, err, want)
		}
	}
}

// FuzzParseResultSet: whatever an organisation module prints, the parser
// never panics, and a decision it accepts holds only the vocabularies' words
// and reads back the same after a round trip through its own JSON.
func FuzzParseResultSet(f *testing.F) {
	f.Add([]byte(`[{"result":{"confirm":"typed","deny":["k \"x\" \u00e9"],"mask":{"A":"prefix4","B":"set"},"warn":["w"]}}]`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`[{"result":{"deny":null,"mask":{"A":"set"},"mask":{"B":"set"},"confirm":null}}]`))
	f.Add([]byte(`[{"Result":{"DENY":["\ud83d\ude00","\udc00"],"x":[1e5,-0,{"a":null}]}}]`))
	f.Add([]byte("[{\"result\":{\"warn\":[\"\xff\xfe\"]}}]"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		d, defined, err := parseResultSet(raw)
		if err != nil || !defined {
			return
		}
		if err := checkDecision(d); err != nil {
			t.Fatalf("%q: accepted %#v: %v", raw, d, err)
		}
		doc, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		again, _, err := parseResultSet([]byte(`[{"result":` + string(doc) + `}]`))
		if err != nil || !sameDecision(again, d) {
			t.Fatalf("%q: round trip gave %#v, %v; want %#v", raw, again, err, d)
		}
	})
}

func checkFull(t *testing.T, in policydoc.Input) {
	t.Helper()
	var d opawasm.Document
	writeFull(&d, &in)
	got, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("writeFull:\n got %s\nwant %s", got, want)
	}
}

func TestWriteFullMatchesMarshal(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 200 {
		in := policydoc.Input{
			Operation: policydoc.Operations[r.IntN(len(policydoc.Operations))], Tenant: fmt.Sprint("t", i),
			Group:       policydoc.Group{Name: "g<&>", ID: "id", FQN: "t:g"},
			Integration: policydoc.Integration{ID: "i", FQN: "f", Type: "integration/x", Provider: "p"},
			Context:     policydoc.Context{Client: "cli", Interactive: r.IntN(2) == 0, Yes: r.IntN(2) == 0, ConfirmName: "n\u2028", DryRun: r.IntN(2) == 0, CI: true, ShowPrefix: r.IntN(2) == 0},
		}
		for range r.IntN(4) {
			in.Changes = append(in.Changes, policydoc.Change{Key: "K\xff", Action: "add", Source: "env", Length: r.IntN(100)})
			in.Secrets = append(in.Secrets, policydoc.Secret{Key: "K", ID: "s", Length: r.IntN(100)})
		}
		checkFull(t, in)
	}
}

// FuzzWriteFull: any strings give the document json.Marshal writes.
func FuzzWriteFull(f *testing.F) {
	f.Add("group.update", "DB_PASSWORD", "env", 24, true)
	f.Add("", "\xff<\u2029\"", "", -5, false)
	f.Fuzz(func(t *testing.T, s, key, source string, n int, b bool) {
		checkFull(t, policydoc.Input{
			Operation: policydoc.Operation(s), Tenant: key, Group: policydoc.Group{Name: key, ID: s, FQN: source},
			Integration: policydoc.Integration{ID: s, FQN: key, Type: source, Provider: s},
			Changes:     []policydoc.Change{{Key: key, Action: policydoc.Action(s), Source: policydoc.Source(source), Length: n}},
			Secrets:     []policydoc.Secret{{Key: key, ID: source, Length: n}},
			Context:     policydoc.Context{Client: policydoc.Client(s), Interactive: b, Yes: !b, ConfirmName: key, DryRun: b, CI: !b, ShowPrefix: b},
		})
	})
}

// BenchmarkParseResultSet reads the result of the benchmark decision (five
// masked keys, one refusal) as the module prints it.
func BenchmarkParseResultSet(b *testing.B) {
	raw := []byte(`[{"result":{"confirm":"yes","deny":["key \"DB_USER\" is not a valid Azure Key Vault secret name (underscores are not allowed); use \"DB-USER\", or a group on a store that accepts underscores: AWS Parameter Store, AWS Secrets Manager, GCP Secret Manager"],"mask":{"API-KEY":"prefix4","DB-PASSWORD":"prefix4","DB_USER":"prefix4","LOG-TOKEN":"prefix4","SMTP-PASSWORD":"prefix4"},"warn":[]}}]`)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok, err := parseResultSet(raw); err != nil || !ok {
			b.Fatal(err)
		}
	}
}
