package policies

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/policies/authoring"
	"github.com/tfy-secrets/tfy-secrets/policies/opawasm"
)

// shapes returns whatever decision its input asks for, so that one module
// can produce every shape readDecision must read or refuse.
const shapes = `package tfy.secrets

decision := input.doc if input.case == "doc"
decision := ["not", "an", "object"] if input.case == "array"
decision := {"deny": "x"} if input.case == "deny-string"
decision := {"deny": [1]} if input.case == "deny-number"
decision := {"deny": {"a set"}} if input.case == "deny-set"
decision := {"mask": {"K": "clear"}} if input.case == "mask-word"
decision := {"mask": ["K"]} if input.case == "mask-array"
decision := {"mask": {"K": true}} if input.case == "mask-bool"
decision := {"confirm": "maybe"} if input.case == "confirm-word"
decision := {"confirm": 1} if input.case == "confirm-number"
decision := {"extra": []} if input.case == "unknown-field"
decision := {1: []} if input.case == "number-key"
`

func loadShapes(t *testing.T) *opawasm.Policy {
	t.Helper()
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "shapes.rego")
	if err := os.WriteFile(file, []byte(shapes), 0o600); err != nil {
		t.Fatal(err)
	}
	wasm, err := authoring.CompileWasm(ctx, []string{file})
	if err != nil {
		t.Fatal(err)
	}
	rt, err := opawasm.NewRuntime(ctx, opawasm.RuntimeOptions{NoDiskCache: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Close(ctx) })
	p, err := rt.Load(ctx, wasm, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func readShape(p *opawasm.Policy, doc *opawasm.Document) (d policydoc.Decision, defined bool, err error) {
	err = p.EvalView(context.Background(), Entrypoint, doc, func(rs opawasm.View) (err error) {
		d, defined, err = readDecision(rs)
		return err
	})
	return d, defined, err
}

// On every decision of the default policy's shape, reading the result in
// place gives what parsing the module's printed result gives.
func TestReadDecisionAgreesWithParseResultSet(t *testing.T) {
	t.Parallel()
	p := loadShapes(t)
	docs := []func(d *opawasm.Document){
		func(d *opawasm.Document) {
			d.BeginObject()
			for _, f := range []string{"deny", "warn"} {
				d.Key(f)
				d.BeginArray()
				d.EndArray()
			}
			d.Key("confirm")
			d.String(string(policydoc.ConfirmNone))
			d.Key("mask")
			d.BeginObject()
			d.EndObject()
			d.EndObject()
		},
		func(d *opawasm.Document) {
			d.BeginObject()
			d.Key("deny")
			d.BeginArray()
			d.String("key \"DB_USER\" é😀 \x00 \\ </script>")
			d.String("second")
			d.EndArray()
			d.Key("warn")
			d.BeginArray()
			d.String("w")
			d.EndArray()
			d.Key("confirm")
			d.String(string(policydoc.ConfirmTyped))
			d.Key("mask")
			d.BeginObject()
			for i, k := range []string{"A", "B-2", "ü", "", "D", "E", "F", "G", "H", "I", "J"} {
				d.Key(k)
				d.String([]string{policydoc.MaskSet, policydoc.MaskPrefix4}[i%2])
			}
			d.EndObject()
			d.EndObject()
		},
		func(d *opawasm.Document) { // only some fields
			d.BeginObject()
			d.Key("confirm")
			d.String(string(policydoc.ConfirmYes))
			d.EndObject()
		},
	}
	for i, write := range docs {
		var doc opawasm.Document
		doc.BeginObject()
		doc.Key("case")
		doc.String("doc")
		doc.Key("doc")
		write(&doc)
		doc.EndObject()
		raw, err := p.EvalDocument(context.Background(), Entrypoint, &doc)
		if err != nil {
			t.Fatal(err)
		}
		want, wantDefined, err := parseResultSet(raw)
		if err != nil || !wantDefined {
			t.Fatalf("doc %d: parseResultSet: %v, %v", i, wantDefined, err)
		}
		got, defined, err := readShape(p, &doc)
		if err != nil || !defined || !reflect.DeepEqual(got, want) {
			t.Errorf("doc %d: got %#v, %v, %v; want %#v", i, got, defined, err, want)
		}
	}
	var undefined opawasm.Document
	undefined.BeginObject()
	undefined.Key("case")
	undefined.String("none")
	undefined.EndObject()
	if _, defined, err := readShape(p, &undefined); defined || err != nil {
		t.Errorf("undefined decision: defined %v, %v", defined, err)
	}
}

// Any other shape is an error naming what is wrong, never a decision.
func TestReadDecisionRefusesOtherShapes(t *testing.T) {
	t.Parallel()
	p := loadShapes(t)
	cases := map[string]string{
		"array":          "got array, want object",
		"deny-string":    "deny: got string, want array",
		"deny-number":    "deny: got number, want string",
		"deny-set":       "deny: got set, want array",
		"mask-word":      `mask["K"] is "clear"`,
		"mask-array":     "mask: got array, want object",
		"mask-bool":      `mask: "K": got boolean, want string`,
		"confirm-word":   `confirm is "maybe"`,
		"confirm-number": "confirm: got number, want string",
		"unknown-field":  `"extra" is not a decision field`,
		"number-key":     "decision key: got number, want string",
	}
	for c, want := range cases {
		var doc opawasm.Document
		doc.BeginObject()
		doc.Key("case")
		doc.String(c)
		doc.EndObject()
		d, defined, err := readShape(p, &doc)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %+v, %v, %v; want an error containing %q", c, d, defined, err, want)
		}
	}
}

func TestTextReplacesInvalidUTF8LikeEncodingJSON(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain é":          "plain é",
		"bad\xffbyte":      "bad\uFFFDbyte",
		"\xe2\x82 cut":     "\uFFFD\uFFFD cut",
		"\xed\xa0\x80 sur": "\uFFFD\uFFFD\uFFFD sur",
	} {
		if got := text([]byte(in)); got != want {
			t.Errorf("text(%q) = %q, want %q", in, got, want)
		}
	}
}
