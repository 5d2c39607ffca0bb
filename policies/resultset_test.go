package policies

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/policies/opawasm"
)

// oracleResultSet is the decoding parseResultSet replaced, with
// encoding/json: the reference it must agree with.
func oracleResultSet(raw []byte) (Decision, bool, error) {
	var rs []struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(raw, &rs); err != nil {
		return Decision{}, false, err
	}
	switch len(rs) {
	case 0:
		return Decision{}, false, nil
	case 1:
	default:
		return Decision{}, false, errors.New("more than one result")
	}
	var doc struct {
		Deny    []string          `json:"deny"`
		Warn    []string          `json:"warn"`
		Confirm *string           `json:"confirm"`
		Mask    map[string]string `json:"mask"`
	}
	if err := json.Unmarshal(rs[0].Result, &doc); err != nil {
		return Decision{}, false, err
	}
	d := Decision{Deny: doc.Deny, Warn: doc.Warn, Confirm: ConfirmNone, Mask: doc.Mask}
	if doc.Confirm != nil {
		d.Confirm = *doc.Confirm
	}
	if err := checkDecision(d); err != nil {
		return Decision{}, false, err
	}
	return d, true, nil
}

func TestParseResultSet(t *testing.T) {
	t.Parallel()
	good := map[string]struct {
		defined bool
		want    Decision
	}{
		`[]`:   {false, Decision{}},
		` [ ]`: {false, Decision{}},
		`null`: {false, Decision{}},
		`[{"result":{"confirm":"yes","deny":["a \"q\" \u00e9\ud83d\ude00 \/"],"mask":{"K":"set"},"warn":[]}}]`: {
			true, Decision{Deny: []string{`a "q" é😀 /`}, Warn: []string{}, Confirm: ConfirmYes, Mask: map[string]string{"K": MaskSet}},
		},
		`[{"other":[1,{"x":-0.5e+3}],"RESULT":{"Deny":["x"],"extra":{"a":[true,false,null]}}}]`: {
			true, Decision{Deny: []string{"x"}, Confirm: ConfirmNone},
		},
		`[{"result":null}]`:                           {true, Decision{Confirm: ConfirmNone}},
		"[{\"result\":{\"deny\":[\"bad\xffbyte\"]}}]": {true, Decision{Deny: []string{"bad\uFFFDbyte"}, Confirm: ConfirmNone}},
		`[{"result":{"deny":["lone \ud800 half"]}}]`:  {true, Decision{Deny: []string{"lone \uFFFD half"}, Confirm: ConfirmNone}},
	}
	for raw, tt := range good {
		got, defined, err := parseResultSet([]byte(raw))
		if err != nil || defined != tt.defined || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %#v, %v, %v; want %#v, %v", raw, got, defined, err, tt.want, tt.defined)
		}
	}
	bad := map[string]string{
		``:                                    "want an array",
		`{}`:                                  "want an array",
		`[{"result":{}}] x`:                   "data after",
		`[{"result":{}},{"result":{}}]`:       "more than one result",
		`[{}]`:                                "no result field",
		`[1]`:                                 "want a result object",
		`[{"result":{}}`:                      "want , or ]",
		`[{"result":[]}]`:                     notADecision,
		`[{"result":{"deny":"x"}}]`:           "lists of strings",
		`[{"result":{"deny":[1]}}]`:           "is not a string",
		`[{"result":{"mask":{"K":"clear"}}}]`: `mask["K"] is "clear"`,
		`[{"result":{"confirm":"maybe"}}]`:    `confirm is "maybe"`,
		`[{"result":{"x":01}}]`:               "want , or }",
		`[{"result":{"x":1.}}]`:               "invalid number",
		`[{"result":{"x":"a\qb"}}]`:           "invalid escape",
		`[{"result":{"x":"a\u12"}}]`:          "invalid \\u escape",
		"[{\"result\":{\"x\":\"a\nb\"}}]":     "control character",
		`[{"result":{"x":"abc`:                "unterminated string",
		`[{"result":{"x":tru}}]`:              "invalid literal",
		`[{"result":{"x":}}]`:                 "want a value",
		`[{"result":{1:2}}]`:                  "want a string key",
		`[{"result" {}}]`:                     "want : after a key",
		`[{"result":{"x":` + strings.Repeat("[", maxScanDepth+2) + `}}]`: "nested too deeply",
	}
	for raw, want := range bad {
		_, _, err := parseResultSet([]byte(raw))
		if err == nil || !strings.Contains(err.Error(), want) {
			name := raw
			if len(name) > 60 {
				name = name[:60]
			}
			t.Errorf("%s: error %v, want one containing %q", name, err, want)
		}
		if _, _, oerr := oracleResultSet([]byte(raw)); oerr == nil {
			t.Errorf("%s: encoding/json accepts it", raw[:min(len(raw), 60)])
		}
	}
}

// FuzzParseResultSet: the scanner accepts exactly what encoding/json
// accepted, with the same decision, and never panics.
func FuzzParseResultSet(f *testing.F) {
	f.Add([]byte(`[{"result":{"confirm":"typed","deny":["k \"x\" \u00e9"],"mask":{"A":"prefix4","B":"set"},"warn":["w"]}}]`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`[{"result":{"deny":null,"mask":{"A":"set"},"mask":{"B":"set"},"confirm":null}}]`))
	f.Add([]byte(`[{"Result":{"DENY":["\ud83d\ude00","\udc00"],"x":[1e5,-0,{"a":null}]}}]`))
	f.Add([]byte("[{\"result\":{\"warn\":[\"\xff\xfe\"]}}]"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, gotDef, err := parseResultSet(raw)
		want, wantDef, werr := oracleResultSet(raw)
		if (err == nil) != (werr == nil) {
			t.Fatalf("%q: scanner error %v, encoding/json error %v", raw, err, werr)
		}
		if err == nil && (gotDef != wantDef || !sameDecision(got, want)) {
			t.Fatalf("%q: scanner %#v (%v), encoding/json %#v (%v)", raw, got, gotDef, want, wantDef)
		}
	})
}

func checkFull(t *testing.T, in Input) {
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
		in := Input{
			Operation: Operations[r.IntN(len(Operations))], Tenant: fmt.Sprint("t", i),
			Group:       Group{Name: "g<&>", ID: "id", FQN: "t:g"},
			Integration: Integration{ID: "i", FQN: "f", Type: "integration/x", Provider: "p"},
			Context:     Context{Client: "cli", Interactive: r.IntN(2) == 0, Yes: r.IntN(2) == 0, ConfirmName: "n\u2028", DryRun: r.IntN(2) == 0, CI: true, ShowPrefix: r.IntN(2) == 0},
		}
		for range r.IntN(4) {
			in.Changes = append(in.Changes, Change{Key: "K\xff", Action: "add", Source: "env", Length: r.IntN(100)})
			in.Secrets = append(in.Secrets, SecretMeta{Key: "K", ID: "s", Length: r.IntN(100)})
		}
		checkFull(t, in)
	}
}

// FuzzWriteFull: any strings give the document json.Marshal writes.
func FuzzWriteFull(f *testing.F) {
	f.Add("group.update", "DB_PASSWORD", "env", 24, true)
	f.Add("", "\xff<\u2029\"", "", -5, false)
	f.Fuzz(func(t *testing.T, s, key, source string, n int, b bool) {
		checkFull(t, Input{
			Operation: s, Tenant: key, Group: Group{Name: key, ID: s, FQN: source},
			Integration: Integration{ID: s, FQN: key, Type: source, Provider: s},
			Changes:     []Change{{Key: key, Action: s, Source: source, Length: n}},
			Secrets:     []SecretMeta{{Key: key, ID: source, Length: n}},
			Context:     Context{Client: s, Interactive: b, Yes: !b, ConfirmName: key, DryRun: b, CI: !b, ShowPrefix: b},
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
