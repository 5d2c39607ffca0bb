package opawasm

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// imageAndParse lays doc out as an image and has the module parse it, and
// returns both as they sit in memory (see layout): equal layouts mean equal
// values, bucket counts and chain orders.
func imageAndParse(t testing.TB, p *Policy, doc []byte) (img, parsed string, built bool) {
	t.Helper()
	inst := p.idle[0]
	ctx := context.WithValue(context.Background(), instanceKey{}, inst)
	if _, err := inst.callTop(ctx, inst.heapSet, inst.heapBase); err != nil {
		t.Fatal(err)
	}
	pv, err := inst.parseJSON(ctx, doc)
	if err != nil {
		t.Fatalf("module parse of %s: %v", doc, err)
	}
	heap, err := inst.call1(ctx, inst.mod.ExportedFunction("opa_heap_ptr_get"))
	if err != nil {
		t.Fatal(err)
	}
	var im image
	root, err := im.build(doc, heap)
	if err != nil {
		return "", "", false
	}
	if err := inst.placeImage(ctx, &im); err != nil {
		t.Fatal(err)
	}
	mem, _ := inst.mem.Read(0, inst.mem.Size())
	want, err := layout(nil, View{mem: mem, addr: pv}, 0)
	if err != nil {
		t.Fatalf("the parser's value of %s: %v", doc, err)
	}
	got, err := layout(nil, View{mem: mem, addr: root}, 0)
	if err != nil {
		t.Fatalf("image of %s: %v", doc, err)
	}
	return string(got), string(want), true
}

func loadFixturePolicy(t testing.TB) *Policy {
	t.Helper()
	fx := loadDecisionFixture(t)
	p := mustLoad(t, newTestRuntime(t), fx.wasm, fx.data)
	p.maxIdle = 1
	return p
}

// The module's layout is the one image assumes, so EvalView skips the
// module's parser: a change of OPA that breaks this fails here rather than
// making decisions silently slower.
func TestLoadChecksTheImageLayout(t *testing.T) {
	t.Parallel()
	p := loadFixturePolicy(t)
	if !p.image {
		t.Fatalf("images are not used: %v", p.imageErr)
	}
}

func TestImageReadsAsTheParsersValue(t *testing.T) {
	t.Parallel()
	p := loadFixturePolicy(t)
	docs := []string{
		imageProbe,
		`{}`, `[]`, `"s"`, `0`, `-1`, `123456789012345678`, `true`, `null`,
		`{"a":1,"a":{"b":[true,false,null]},"c":"\u003c\u0026\u003e\u2028\u2029\ufffd\\\"\/\b\f\n\r\t"}`,
		`{"k":"\ud83d\ude00 \uD83D\uDE00"}`,
		`[[[[[]]]],{"":""},[{},{}]]`,
	}
	for _, in := range decisionInputs {
		var v any
		var d Document
		if json.Unmarshal([]byte(in), &v) == nil && writeAny(&d, v) {
			b, _ := d.Bytes()
			docs = append(docs, string(b))
		}
	}
	keys := make([]string, 40)
	for i := range keys {
		keys[i] = `"key-` + strings.Repeat("x", i) + `":` + string(rune('0'+i%10))
	}
	docs = append(docs, "{"+strings.Join(keys, ",")+"}")
	for _, doc := range docs {
		img, parsed, built := imageAndParse(t, p, []byte(doc))
		if !built {
			t.Errorf("%s: not laid out as an image", doc)
			continue
		}
		if img != parsed {
			t.Errorf("%s:\nimage  %s\nparsed %s", doc, img, parsed)
		}
	}
}

// What an image cannot hold exactly is left to the module's parser, and
// the evaluation is the same.
func TestImageLeavesTheRestToTheParser(t *testing.T) {
	t.Parallel()
	var im image
	deep := strings.Repeat("[", maxImageDepth+2) + strings.Repeat("]", maxImageDepth+2)
	for _, doc := range []string{`1.5`, `1e3`, `1234567890123456789`, `01`, `-`, deep, `{"a":1}x`, `[1,]`, `"\x"`, `{"a" 1}`, `"\ud800"`, `"\udc00 "`, `"\ud800\u0041"`, `"\ud800\u"`, "\"\xff\""} {
		if _, err := im.build([]byte(doc), 1024); err == nil {
			t.Errorf("%s: laid out", doc)
		}
	}
	mods := map[string]string{"p.rego": "package p\nout := input\n"}
	q := mustLoad(t, newTestRuntime(t), mustCompile(t, mods, "p/out"), nil)
	var d Document
	for range maxImageDepth + 2 {
		d.BeginArray()
	}
	for range maxImageDepth + 2 {
		d.EndArray()
	}
	got := evalViewAny(t, q, "p/out", &d)
	var want any
	_ = json.Unmarshal([]byte(`[{"result":`+deep+`}]`), &want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("deep document: got %v", got)
	}
}

// With images off (a module whose layout did not check out), EvalView
// gives the same results through the module's parser.
func TestEvalViewWithoutImages(t *testing.T) {
	t.Parallel()
	fx := loadDecisionFixture(t)
	r := newTestRuntime(t)
	with := mustLoad(t, r, fx.wasm, fx.data)
	without := mustLoad(t, r, fx.wasm, fx.data)
	without.image = false
	for _, in := range fx.documents(t) {
		a, b := evalViewAny(t, with, decisionEntrypoint, in.doc), evalViewAny(t, without, decisionEntrypoint, in.doc)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s:\nimage  %v\nparser %v", in.json, a, b)
		}
	}
}

// FuzzImage builds documents from arbitrary strings and integers: the image
// must read exactly as the module's parse of the same document.
func FuzzImage(f *testing.F) {
	f.Add("key", "DB_USER", int64(25601), true, 3)
	f.Add("", "\x00\xff<é😀\u2028\"\\", int64(-1), false, 40)
	f.Add("a", "a", int64(0), true, 0)
	p := loadFixturePolicy(f)
	f.Fuzz(func(t *testing.T, k, s string, n int64, b bool, repeat int) {
		var d Document
		d.BeginObject()
		for i := range repeat % 50 {
			d.Key(k + strings.Repeat("_", i%3))
			d.BeginArray()
			d.String(s)
			d.Int(int(n) + i)
			d.Bool(b)
			d.BeginObject()
			d.Key(s)
			d.String(k)
			d.EndObject()
			d.EndArray()
		}
		d.Key(s)
		d.Int(int(n))
		d.EndObject()
		doc, err := d.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		img, parsed, built := imageAndParse(t, p, doc)
		if !built {
			if n > -1e18+100 && n < 1e18-100 {
				t.Fatalf("%s: not laid out", doc)
			}
			return
		}
		if img != parsed {
			t.Fatalf("%s:\nimage  %s\nparsed %s", doc, img, parsed)
		}
	})
}

// BenchmarkImage lays out a lean input like the one of
// policies.BenchmarkDecide (five changes, five secrets).
func BenchmarkImage(b *testing.B) {
	doc := []byte(`{"operation":"group.update","integration":{"type":"integration/secret-store/azure/vault"},"changes":[` +
		`{"key":"API-KEY","action":"rotate"},{"key":"DB-PASSWORD","action":"rotate"},{"key":"DB_USER","action":"add"},` +
		`{"key":"LOG-TOKEN","action":"rotate"},{"key":"SMTP-PASSWORD","action":"rotate"}],"secrets":[` +
		`{"key":"API-KEY","length":32},{"key":"DB-PASSWORD","length":32},{"key":"DB_USER","length":32},` +
		`{"key":"LOG-TOKEN","length":32},{"key":"SMTP-PASSWORD","length":32}],"context":{"dry_run":false,"show_prefix":true}}`)
	var im image
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := im.build(doc, 1<<16); err != nil {
			b.Fatal(err)
		}
	}
}
