package opawasm

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// docStrings stress the escaper: every class encoding/json treats
// specially.
var docStrings = []string{
	"", "plain", `quote"back\slash`, "ctl\x00\x01\x1f\b\f\n\r\t", "<html>&amp;", "\u2028\u2029",
	"ünïcødé 😀", "bad\xffutf8\xc3", "\xed\xa0\x80surrogate", "\x7f",
}

// writeAny writes a decoded JSON value (objects with sorted keys, as
// json.Marshal orders a map) and reports false for a non-integer number.
func writeAny(d *Document, v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		d.Bool(x)
	case float64:
		if x != float64(int(x)) {
			return false
		}
		d.Int(int(x))
	case string:
		d.String(x)
	case []any:
		d.BeginArray()
		for _, e := range x {
			if !writeAny(d, e) {
				return false
			}
		}
		d.EndArray()
	case map[string]any:
		d.BeginObject()
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			d.Key(k)
			if !writeAny(d, x[k]) {
				return false
			}
		}
		d.EndObject()
	}
	return true
}

func TestDocumentMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	doc := map[string]any{
		"strings": docStrings,
		"ints":    []int{0, -1, 42, 1 << 40},
		"bools":   []bool{true, false},
		"nested":  map[string]any{"empty": []any{}, "obj": map[string]any{}, "k\"ey<": "v"},
	}
	want, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(want, &v); err != nil {
		t.Fatal(err)
	}
	// Unmarshal already turned invalid UTF-8 into U+FFFD; write the raw
	// strings again so the escaper sees them.
	v.(map[string]any)["strings"] = func() []any {
		out := make([]any, len(docStrings))
		for i, s := range docStrings {
			out[i] = s
		}
		return out
	}()
	var d Document
	if !writeAny(&d, v) {
		t.Fatal("writeAny refused the document")
	}
	got, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("document differs from json.Marshal:\n got %s\nwant %s", got, want)
	}
	d.Reset()
	d.BeginArray()
	d.EndArray()
	if got, err := d.Bytes(); err != nil || string(got) != "[]" {
		t.Fatalf("after Reset: %s, %v", got, err)
	}
}

func TestDocumentMisuseIsAnError(t *testing.T) {
	t.Parallel()
	tests := map[string]func(d *Document){
		"empty":                func(d *Document) {},
		"value without key":    func(d *Document) { d.BeginObject(); d.String("x"); d.EndObject() },
		"key in array":         func(d *Document) { d.BeginArray(); d.Key("k"); d.EndArray() },
		"key without value":    func(d *Document) { d.BeginObject(); d.Key("k"); d.EndObject() },
		"two keys":             func(d *Document) { d.BeginObject(); d.Key("a"); d.Key("b"); d.Int(1); d.EndObject() },
		"unclosed":             func(d *Document) { d.BeginObject(); d.Key("a"); d.BeginArray() },
		"wrong end":            func(d *Document) { d.BeginObject(); d.EndArray() },
		"end without open":     func(d *Document) { d.EndObject() },
		"two top-level values": func(d *Document) { d.Int(1); d.Int(2) },
		"key at top level":     func(d *Document) { d.Key("k") },
		"dangling key at end":  func(d *Document) { d.BeginObject(); d.Key("k") },
	}
	for name, build := range tests {
		var d Document
		build(&d)
		if b, err := d.Bytes(); err == nil {
			t.Errorf("%s: Bytes = %s, want an error", name, b)
		}
	}
}

// FuzzDocument: whatever is written, the document is byte for byte what
// encoding/json writes for the same values, so it is valid by
// construction.
func FuzzDocument(f *testing.F) {
	for _, s := range docStrings {
		f.Add(s, s+"k", -7, true)
	}
	f.Fuzz(func(t *testing.T, s, key string, n int, b bool) {
		var d Document
		d.BeginObject()
		d.Key("a")
		d.BeginArray()
		d.String(s)
		d.Bool(b)
		d.Int(n)
		d.EndArray()
		d.Key(key)
		d.String(key)
		d.EndObject()
		got, err := d.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		wantArr, _ := json.Marshal([]any{s, b, n})
		wantKey, _ := json.Marshal(key)
		want := `{"a":` + string(wantArr) + "," + string(wantKey) + ":" + string(wantKey) + "}"
		if string(got) != want {
			t.Fatalf("got %s, want %s", got, want)
		}
		if !json.Valid(got) {
			t.Fatalf("invalid JSON %q", got)
		}
	})
}

// EvalDocument returns the result set the module prints; its result equals
// Eval's on the same input, through an image of the input, opa_eval and the
// classic context API.
func TestEvalDocumentMatchesEval(t *testing.T) {
	t.Parallel()
	fx := loadDecisionFixture(t)
	r := newTestRuntime(t)
	img := mustLoad(t, r, fx.wasm, fx.data)
	fast := mustLoad(t, r, fx.wasm, fx.data)
	fast.image = false
	classic := mustLoad(t, r, fx.wasm, fx.data)
	classic.image, classic.classic = false, true
	ctx := context.Background()
	for i, in := range fx.documents(t) {
		for name, p := range map[string]*Policy{"image": img, "opa_eval": fast, "classic": classic} {
			want, err := p.Eval(ctx, decisionEntrypoint, []byte(in.json))
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.EvalDocument(ctx, decisionEntrypoint, in.doc)
			if err != nil {
				t.Fatalf("input %d (%s): %v", i, name, err)
			}
			var rs []struct {
				Result json.RawMessage `json:"result"`
			}
			if err := json.Unmarshal(got, &rs); err != nil || len(rs) != 1 {
				t.Fatalf("input %d (%s): result set %s: %v", i, name, got, err)
			}
			if !sameJSON(t, rs[0].Result, want) {
				t.Errorf("input %d (%s):\n got %s\nwant %s", i, name, rs[0].Result, want)
			}
		}
	}
}

func TestEvalDocumentErrorsAndUndefined(t *testing.T) {
	t.Parallel()
	r := newTestRuntime(t)
	wasm := mustCompile(t, map[string]string{"p.rego": "package p\nallow if input.x == 1\n"}, "p/allow")
	p := mustLoad(t, r, wasm, nil)
	ctx := context.Background()
	var d Document
	d.BeginObject()
	d.Key("x")
	d.Int(2)
	d.EndObject()
	got, err := p.EvalDocument(ctx, "p/allow", &d)
	if err != nil || string(got) != "[]" {
		t.Fatalf("undefined: %s, %v; want []", got, err)
	}
	if _, err := p.EvalDocument(ctx, "p/nope", &d); err == nil || !strings.Contains(err.Error(), "unknown entrypoint") {
		t.Fatalf("unknown entrypoint: %v", err)
	}
	var broken Document
	broken.BeginObject()
	if _, err := p.EvalDocument(ctx, "p/allow", &broken); err == nil || !strings.Contains(err.Error(), "incomplete") {
		t.Fatalf("incomplete document: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := p.EvalDocument(cancelled, "p/allow", &d); err == nil {
		t.Fatal("cancelled context: no error")
	}
}
