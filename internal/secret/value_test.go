package secret

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const canary = "canary-7f3a9c1e-do-not-print"

func TestValueNeverRenders(t *testing.T) {
	t.Parallel()
	v := FromString(canary)
	type wrapper struct {
		V   Value
		P   *Value
		Arr []Value
		M   map[string]Value
	}
	w := wrapper{V: v, P: &v, Arr: []Value{v}, M: map[string]Value{"k": v}}

	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10s"} {
		outputs = append(outputs, fmt.Sprintf(verb, v), fmt.Sprintf(verb, w), fmt.Sprintf(verb, &v))
	}
	outputs = append(outputs, fmt.Sprint(v), fmt.Sprintln(v), v.String(), v.GoString())
	if err := fmt.Errorf("wrap %v: %w", v, fmt.Errorf("%s", v)); err != nil {
		outputs = append(outputs, err.Error())
	}
	j, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, string(j))
	y, err := yaml.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, string(y))
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("msg", "value", v, "wrapped", w)
	slog.New(slog.NewTextHandler(&logBuf, nil)).Info("msg", "value", v)
	outputs = append(outputs, logBuf.String())

	for _, out := range outputs {
		if strings.Contains(out, canary) || strings.Contains(out, fmt.Sprintf("%x", canary)) {
			t.Fatalf("value leaked in %q", out)
		}
	}
	if !strings.Contains(string(j), Redacted) {
		t.Fatalf("json does not show the placeholder: %s", j)
	}
}

func TestValueAccessors(t *testing.T) {
	t.Parallel()
	var zero Value
	if zero.IsSet() || zero.Len() != 0 {
		t.Fatal("zero value must be unset and empty")
	}
	empty := FromString("")
	if !empty.IsSet() || empty.Len() != 0 {
		t.Fatal("an empty value is still set")
	}
	src := []byte("abc")
	v := New(src)
	src[0] = 'x'
	if v.Reveal() != "abc" || v.Len() != 3 {
		t.Fatalf("New must copy its input, got %q", v.Reveal())
	}
	if !v.Equal(FromString("abc")) || v.Equal(FromString("abd")) || zero.Equal(empty) {
		t.Fatal("Equal compares bytes and set-ness")
	}
}

func TestDigest(t *testing.T) {
	key := []byte("process-key")
	a, b := FromString("hunter2-canary"), FromString("hunter2-canary")
	if !a.Digest(key).Equal(b.Digest(key)) {
		t.Fatal("equal values, different digests")
	}
	if a.Digest(key).Equal(FromString("hunter3-canary").Digest(key)) {
		t.Fatal("different values, equal digests")
	}
	if a.Digest(key).Equal(a.Digest([]byte("other-key"))) {
		t.Fatal("the digest does not depend on the key")
	}
	if FromString("").Digest(key).Equal(Value{}.Digest(key)) != true {
		t.Fatal("an empty value and an unset one hold the same bytes")
	}
}

func TestValidUTF8(t *testing.T) {
	for _, c := range []struct {
		in  string
		ok  bool
		bad int
	}{
		{"", true, 0},
		{"plain ascii", true, 0},
		{"naïve ☃ 𝄞", true, 0},
		{"\xff\xfe", false, 0},
		{"ok\xffrest", false, 2},
		{"ab\xe2\x82", false, 2},    // truncated three-byte sequence
		{"\xed\xa0\x80", false, 0},  // a surrogate half
		{"\uFFFD is text", true, 0}, // the replacement character itself is valid
	} {
		ok, bad := FromString(c.in).ValidUTF8()
		if ok != c.ok || (!ok && bad != c.bad) {
			t.Errorf("%q: ok=%v at %d, want %v at %d", c.in, ok, bad, c.ok, c.bad)
		}
	}
}

func TestWipe(t *testing.T) {
	v := New([]byte("wipe-me-canary"))
	w := v
	v.Wipe()
	if strings.Contains(w.Reveal(), "wipe") || w.Len() != len("wipe-me-canary") {
		t.Fatalf("after Wipe: %q", w.Reveal())
	}
}

func TestBase64(t *testing.T) {
	v := New([]byte{0xff, 0xfe, 0x00, 'a'}).Base64()
	if v.Reveal() != "//4AYQ==" || !v.IsSet() {
		t.Fatalf("got %q", v.Reveal())
	}
	if ok, _ := v.ValidUTF8(); !ok {
		t.Fatal("base64 text is not valid UTF-8")
	}
	if e := FromString("").Base64(); !e.IsSet() || e.Len() != 0 {
		t.Fatal("an empty value encodes to an empty, set value")
	}
}
