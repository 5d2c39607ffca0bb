package opawasm

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// viewAny converts a view to what encoding/json would decode from the
// module's JSON dump of it: sets become arrays in the module's order (as
// opa_json_dump writes them). depth bounds the walk, so a view of corrupt
// memory whose values contain themselves ends.
func viewAny(v View, depth int) (any, error) {
	if depth == 0 {
		return nil, errors.New("too deep")
	}
	switch v.Kind() {
	case KindNull:
		return nil, nil
	case KindBoolean:
		if uint64(v.addr)+1 >= uint64(len(v.mem)) {
			return nil, errBadAddress
		}
		return v.mem[v.addr+1] != 0, nil
	case KindString:
		b, err := v.Bytes()
		return string(b), err
	case KindArray, KindSet:
		out := []any{}
		each := func(e View) error {
			x, err := viewAny(e, depth-1)
			out = append(out, x)
			return err
		}
		if v.Kind() == KindArray {
			return out, v.Array(each)
		}
		return out, v.Set(each)
	case KindObject:
		out := map[string]any{}
		err := v.Object(func(k, val View) error {
			key, err := k.Bytes()
			if err != nil {
				return err
			}
			out[string(key)], err = viewAny(val, depth-1)
			return err
		})
		return out, err
	}
	return nil, fmt.Errorf("cannot convert a %s", v.Kind())
}

func evalViewAny(t *testing.T, p *Policy, entrypoint string, d *Document) any {
	t.Helper()
	var got any
	err := p.EvalView(context.Background(), entrypoint, d, func(rs View) (err error) {
		got, err = viewAny(rs, 2*maxImageDepth)
		return err
	})
	if err != nil {
		t.Fatalf("EvalView: %v", err)
	}
	return got
}

// EvalView hands over the same result set the module prints for
// EvalDocument, on the decision fixture's inputs.
func TestEvalViewMatchesEvalDocument(t *testing.T) {
	t.Parallel()
	fx := loadDecisionFixture(t)
	r := newTestRuntime(t)
	p := mustLoad(t, r, fx.wasm, fx.data)
	for i, in := range fx.documents(t) {
		printed, err := p.EvalDocument(context.Background(), decisionEntrypoint, in.doc)
		if err != nil {
			t.Fatal(err)
		}
		var want any
		if err := json.Unmarshal(printed, &want); err != nil {
			t.Fatal(err)
		}
		got := evalViewAny(t, p, decisionEntrypoint, in.doc)
		gotJSON, _ := json.Marshal(got)
		wantJSON, _ := json.Marshal(want)
		if string(gotJSON) != string(wantJSON) {
			t.Errorf("input %d:\n got %s\nwant %s", i, gotJSON, wantJSON)
		}
	}
}

// Every kind of value, interned strings and booleans (the policy's
// constants) included, reads as the module prints it; an undefined
// entrypoint is an empty set.
func TestEvalViewKindsAndUndefined(t *testing.T) {
	t.Parallel()
	mods := map[string]string{"p.rego": `package p
out := {"s": "const", "in": input.s, "t": true, "f": input.f, "z": null,
	"a": [input.s, "x"], "set": {"only"}, "o": {"k": {"deep": input.s}}, "empty": {}}
allow if input.s == "never"
`}
	r := newTestRuntime(t)
	p := mustLoad(t, r, mustCompile(t, mods, "p/out", "p/allow"), nil)
	var d Document
	d.BeginObject()
	d.Key("s")
	d.String("é\x00\"")
	d.Key("f")
	d.Bool(false)
	d.EndObject()
	got, _ := json.Marshal(evalViewAny(t, p, "p/out", &d))
	want := `[{"result":{"a":["é\u0000\"","x"],"empty":{},"f":false,"in":"é\u0000\"","o":{"k":{"deep":"é\u0000\""}},"s":"const","set":["only"],"t":true,"z":null}}]`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got, _ := json.Marshal(evalViewAny(t, p, "p/allow", &d)); string(got) != "[]" {
		t.Errorf("undefined: got %s, want []", got)
	}
	if err := p.EvalView(context.Background(), "p/nope", &d, func(View) error { return nil }); err == nil || !strings.Contains(err.Error(), "unknown entrypoint") {
		t.Errorf("unknown entrypoint: %v", err)
	}
	var broken Document
	broken.BeginObject()
	if err := p.EvalView(context.Background(), "p/out", &broken, func(View) error { return nil }); err == nil || !strings.Contains(err.Error(), "incomplete") {
		t.Errorf("incomplete document: %v", err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.EvalView(cancelled, "p/out", &d, func(View) error { return nil }); err == nil {
		t.Error("cancelled context: no error")
	}
	// A reader's error is the evaluation's, and the instance stays usable.
	boom := errors.New("boom")
	if err := p.EvalView(context.Background(), "p/out", &d, func(View) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("reader error: %v", err)
	}
	if got, _ := json.Marshal(evalViewAny(t, p, "p/out", &d)); string(got) != want {
		t.Errorf("after a reader error: got %s", got)
	}
}

// EvalView starts every evaluation from the same heap, as opa_eval does.
func TestEvalViewMemoryStable(t *testing.T) {
	t.Parallel()
	mods := map[string]string{"p.rego": `package p
keys := {c.key | some c in input.changes}
out := {"n": count(keys), "msg": sprintf("%v", [keys]), "first": input.changes[0]}
`}
	r := newTestRuntime(t)
	p := mustLoad(t, r, mustCompile(t, mods, "p/out"), []byte(`{"big": [1, 2, 3]}`))
	p.maxIdle = 1
	var d Document
	d.BeginObject()
	d.Key("changes")
	d.BeginArray()
	for _, k := range []string{"A", "B", "C"} {
		d.BeginObject()
		d.Key("key")
		d.String(k)
		d.EndObject()
	}
	d.EndArray()
	d.EndObject()
	eval := func() {
		if err := p.EvalView(context.Background(), "p/out", &d, func(View) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	for range 1000 {
		eval()
	}
	size := p.idle[0].mem.Size()
	for range 50_000 {
		eval()
	}
	if after := p.idle[0].mem.Size(); after != size {
		t.Fatalf("memory grew from %d to %d bytes", size, after)
	}
}

// memory is a small linear memory for crafted views.
type memory []byte

func (m memory) put(addr uint32, words ...uint32) {
	for i, w := range words {
		binary.LittleEndian.PutUint32(m[addr+4*uint32(i):], w)
	}
}

func TestViewRefusesCorruptMemory(t *testing.T) {
	t.Parallel()
	type tc struct {
		name string
		mem  func(m memory) uint32 // writes the memory, returns the root
		want string
	}
	str := func(m memory, at, data, n uint32) uint32 {
		m.put(at, 0, n, data)
		m[at] = byte(KindString)
		return at
	}
	cases := []tc{
		{"null address", func(memory) uint32 { return 0 }, "got kind 0"},
		{"address past the end", func(m memory) uint32 { return uint32(len(m)) + 8 }, "got kind 0"},
		{"string past the end", func(m memory) uint32 { return str(m, 16, 200, 100) }, "out of memory"},
		{"string length overflows", func(m memory) uint32 { return str(m, 16, 200, 0xffffffff) }, "out of memory"},
		{"header past the end", func(m memory) uint32 { m[len(m)-2] = byte(KindString); return uint32(len(m) - 2) }, "out of memory"},
		{"array elements past the end", func(m memory) uint32 {
			m.put(16, 0, 250, 2, 2)
			m[16] = byte(KindArray)
			return 16
		}, "out of memory"},
		{"element of the wrong kind", func(m memory) uint32 {
			m.put(16, 0, 64, 1, 1)
			m[16] = byte(KindArray)
			m.put(64, 0, 96)
			m[96] = byte(KindNumber)
			return 16
		}, "got number, want string"},
		{"object chain loops", func(m memory) uint32 {
			m.put(16, 0, 64, 1, 1)
			m[16] = byte(KindObject)
			m.put(64, 96)
			k := str(m, 128, 160, 1)
			m.put(96, k, k, 96) // next points to itself
			return 16
		}, "more elements than its length"},
		{"set shorter than its length", func(m memory) uint32 {
			m.put(16, 0, 64, 2, 3)
			m[16] = byte(KindSet)
			m.put(64, 96, 0)
			m.put(96, str(m, 128, 160, 1), 0)
			return 16
		}, "fewer elements than its length"},
		{"buckets past the end", func(m memory) uint32 {
			m.put(16, 0, 240, 8, 1)
			m[16] = byte(KindSet)
			return 16
		}, "out of memory"},
	}
	for _, c := range cases {
		m := make(memory, 256)
		root := c.mem(m)
		v := View{mem: m, addr: root}
		_, err := walkStrings(v)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

// walkStrings reads v as a container of strings (or a string), the way the
// engine reads a decision: every method must refuse what it cannot read.
func walkStrings(v View) ([]string, error) {
	var out []string
	add := func(e View) error {
		b, err := e.Bytes()
		out = append(out, string(b))
		return err
	}
	switch v.Kind() {
	case KindArray:
		return out, v.Array(add)
	case KindSet:
		return out, v.Set(add)
	case KindObject:
		return out, v.Object(func(k, val View) error {
			if err := add(k); err != nil {
				return err
			}
			return add(val)
		})
	}
	return out, add(v)
}

// FuzzView reads arbitrary memory as a value: errors are fine, a panic or
// a walk that does not end is not.
func FuzzView(f *testing.F) {
	m := make(memory, 64)
	m.put(8, 0, 32, 1, 1)
	m[8] = byte(KindArray)
	m.put(32, 0, 40)
	m.put(40, 0, 1, 56)
	m[40] = byte(KindString)
	m[56] = 'x'
	f.Add([]byte(m), uint32(8))
	f.Add([]byte{byte(KindObject), 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0}, uint32(0))
	f.Fuzz(func(t *testing.T, mem []byte, addr uint32) {
		v := View{mem: mem, addr: addr}
		_, _ = viewAny(v, 8)
		_, _ = walkStrings(v)
		_, _ = v.Len()
	})
}
