package render

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// hostile is what a hostile server (or a broken one) may put in any name:
// colour, an OSC window title, screen clearing, carriage return and
// backspace overwriting, a C1 CSI, a right-to-left override, a line
// separator, a newline and invalid UTF-8.
const hostile = "evil\x1b[31mRED\x1b]0;owned\x07\x1b[2J\r\b\u009b2J\u202egnp.exe\u2028\nx\xff"

// terminalControls are the characters that must never reach a terminal
// from a table.
var terminalControls = []string{"\x1b", "\x07", "\r", "\b", "\u009b", "\u202e", "\u2028", "\xff"}

// fill sets every string in v (a pointer), however deep, to s, and gives
// every slice one element, so a renderer has every field to show.
func fill(v reflect.Value, s string) {
	switch v.Kind() {
	case reflect.Pointer:
		fill(v.Elem(), s)
	case reflect.String:
		v.SetString(s)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), s)
			}
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0), s)
	}
}

func filled[T any](s string) T {
	var v T
	fill(reflect.ValueOf(&v), s)
	return v
}

// renderAll writes every document kind with every string field set to s.
func renderAll(t *testing.T, r Renderer, s string) string {
	t.Helper()
	var b bytes.Buffer
	for i, step := range []func() error{
		func() error { return r.Groups(&b, filled[[]plugin.Group](s)) },
		func() error { return r.GroupDetail(&b, filled[plugin.GroupDetail](s)) },
		func() error { return r.Secret(&b, filled[plugin.SecretInfo](s)) },
		func() error { return r.Versions(&b, filled[[]plugin.Version](s)) },
		func() error { return r.Integrations(&b, filled[[]plugin.Integration](s)) },
		func() error { return r.Plan(&b, filled[plugin.Plan](s)) },
		func() error {
			p := filled[plugin.Plan](s)
			p.Operation, p.ActiveDeployments = plugin.OpGroupDelete, 2
			return r.Plan(&b, p)
		},
		func() error { return r.Result(&b, filled[plugin.Result](s)) },
		func() error { return r.AuthStatus(&b, filled[plugin.AuthStatus](s)) },
		func() error { return r.Ref(&b, s) },
		func() error { return r.Version(&b, filled[VersionInfo](s)) },
		func() error { return r.Policy(&b, filled[plugin.PolicyInfo](s)) },
	} {
		if err := step(); err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
	}
	return b.String()
}

// TestTablesNeutraliseTerminalControls: whatever the server sends, a table
// (or any other text for people) never carries a character a terminal acts
// on; it shows a visible escape instead (issue 11, item 8).
func TestTablesNeutraliseTerminalControls(t *testing.T) {
	t.Parallel()
	for _, color := range []bool{false, true} {
		out := renderAll(t, New(Table, color), hostile)
		// Colour is ours: the only escape sequences are the plan's colours.
		for _, ours := range []string{ansiGreen, ansiYellow, ansiRed, ansiReset} {
			out = strings.ReplaceAll(out, ours, "")
		}
		for _, c := range terminalControls {
			if strings.Contains(out, c) {
				t.Errorf("color=%v: table output holds %q:\n%s", color, c, out)
			}
		}
		for _, visible := range []string{`evil\x1b[31mRED`, `\x1b]0;owned\x07`, `\x1b[2J\r\x08`, `\u009b2J`, `\u202egnp.exe`, `\u2028`, `\nx\xff`} {
			if !strings.Contains(out, visible) {
				t.Errorf("color=%v: table output lacks the visible %s:\n%s", color, visible, out)
			}
		}
	}
}

// TestDocumentsStayExact: JSON and YAML carry the server's names exactly,
// control characters included (their encoders escape them).
func TestDocumentsStayExact(t *testing.T) {
	t.Parallel()
	const name = "evil\x1b[31mRED\x1b]0;owned\x07\r\b\u202e\u2028\n"
	in := filled[[]plugin.Group](name)
	for _, f := range []Format{JSON, YAML} {
		var b bytes.Buffer
		if err := New(f, false).Groups(&b, in); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), "\x1b") {
			t.Errorf("%s: a raw escape in the document", f)
		}
		var doc struct {
			Groups []struct {
				Name string `json:"name" yaml:"name"`
			} `json:"groups" yaml:"groups"`
		}
		var err error
		if f == JSON {
			err = json.Unmarshal(b.Bytes(), &doc)
		} else {
			err = yaml.Unmarshal(b.Bytes(), &doc)
		}
		if err != nil || len(doc.Groups) != 1 || doc.Groups[0].Name != name {
			t.Errorf("%s: %v, read back %+v", f, err, doc)
		}
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"my-app-secrets":      "my-app-secrets",
		"café ünïcode 名前":     "café ünïcode 名前",
		"a\x1b[31mb":          `a\x1b[31mb`,
		"tab\there\r\n":       `tab\there\r\n`,
		"\x00\x7f":            `\x00\x7f`,
		"bidi\u202eevil":      `bidi\u202eevil`,
		"zero\u200bwidth":     `zero\u200bwidth`,
		"c1\u0085\u009b":      `c1\u0085\u009b`,
		"bad\xffutf8\xc3":     `bad\xffutf8\xc3`,
		`back\slash`:          `back\slash`,
		"":                    "",
		"line\u2028sep\u2029": `line\u2028sep\u2029`,
	} {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Block("package x\n\tdeny[msg] {\x1b[2J}\n"); got != "package x\n\tdeny[msg] {\\x1b[2J}\n" {
		t.Errorf("Block kept or lost the wrong things: %q", got)
	}
}

// FuzzText: whatever the bytes, Text's result is valid UTF-8 without a
// single character a terminal acts on, and printable ASCII passes as is.
func FuzzText(f *testing.F) {
	for _, s := range []string{"plain", hostile, "\x1b", "\xff\xfe", "é\u202e", "\u009b", "\t\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, multiline := range []bool{false, true} {
			got := neutralise(s, multiline)
			if !utf8.ValidString(got) {
				t.Fatalf("%q -> %q: invalid UTF-8", s, got)
			}
			for _, r := range got {
				if (r < 0x20 && !(multiline && (r == '\n' || r == '\t'))) || r == 0x7f || unsafeRune(r) {
					t.Fatalf("%q -> %q holds %U", s, got, r)
				}
			}
			if plain(s, false) && got != s {
				t.Fatalf("printable %q changed to %q", s, got)
			}
		}
	})
}
