package manifest

import (
	"errors"
	"strings"
	"testing"
)

func TestReadSyntaxErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in  string
		doc       int
		line, col int
		problem   string
	}{
		{"unclosed flow sequence", "a: 1\nb: [x\nc: 2\n", 0, 2, 5, "did not find expected ',' or ']'"},
		{"unclosed flow mapping", "a: {b: 1\n", 0, 1, 8, "did not find expected ',' or '}'"},
		{"a key indented wrongly", "a:\n  b: 1\n c: 2\n", 0, 3, 2, "did not find expected key"},
		{"a list item after a mapping", "key: value\n- item\n", 0, 2, 1, "did not find expected key"},
		{"unterminated double quote", "a: \"unterminated\n", 0, 1, 4, "found unexpected end of stream"},
		{"unterminated single quote after multi-byte text", "é: 'x\n", 0, 1, 4, "found unexpected end of stream"},
		{"undefined alias", "x: 1\na: *nope\n", 0, 2, 4, "an alias refers to an anchor that is not defined before it"},
		{"tab indentation", "a: 1\n\tb: 2\n", 0, 2, 1, "found a tab character that violates indentation"},
		{"two colons", "a: b: c\n", 0, 1, 5, "mapping values are not allowed in this context"},
		{"a reference with an empty key, unquoted", "k: tfy-secret://acme:warehouse:\n", 0, 1, 31, "mapping values are not allowed in this context"},
		{"an indicator that starts nothing", "a: @x\n", 0, 1, 4, "found character that cannot start any token"},
		{"a later document", "---\na: 1\n---\nb: 2\n---\nc: [\n", 2, 6, 4, "did not find expected node content"},
		{"invalid UTF-8", "a: \xff\n", 0, 1, 4, "invalid leading UTF-8 octet"},
		{"indentation indicator 0", "a: |0\n  x\n", 0, 1, 5, "found an indentation indicator equal to 0"},
		{"UTF-16", "\xff\xfea\x00:\x00", 0, 1, 1, "the file is UTF-16; manifests are read as UTF-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f, err := Read([]byte(c.in))
			var se *SyntaxError
			if !errors.As(err, &se) || f != nil {
				t.Fatalf("Read = %v, %v; want a *SyntaxError", f, err)
			}
			if se.Document != c.doc || se.Line != c.line || se.Column != c.col || se.Problem != c.problem {
				t.Errorf("got %+v, want document %d line %d column %d %q", *se, c.doc, c.line, c.col, c.problem)
			}
			if want := "line "; !strings.HasPrefix(se.Error(), want) {
				t.Errorf("Error() = %q", se.Error())
			}
		})
	}
}

// TestSyntaxErrorsNeverQuoteTheFile plants a canary where each kind of
// parser failure would be tempted to quote it: an alias name (yaml/v3's own
// message repeats it), an unterminated quote, a broken block scalar, a
// value cut by a bad character.
func TestSyntaxErrorsNeverQuoteTheFile(t *testing.T) {
	t.Parallel()
	const canary = "CANARYpw7731"
	for _, in := range []string{
		"name: x\ntype: service\nenv:\n  DB_PASSWORD: *" + canary + "\n",
		"name: x\ntype: service\nenv:\n  DB_PASSWORD: \"" + canary + "\n",
		"name: x\ntype: service\nenv:\n  DB_PASSWORD: '" + canary + "\n",
		"name: x\ntype: service\nenv:\n  DB_PASSWORD: " + canary + ": " + canary + "\n",
		"name: x\ntype: service\nenv:\n  DB_PASSWORD: " + canary + "\n\t" + canary + ": 1\n",
		"name: x\ntype: service\nenv:\n  DB_PASSWORD: |0\n    " + canary + "\n",
		"name: x\ntype: service\nenv:\n  DB_PASSWORD: \"" + canary + "\\q\"\n",
		"name: x\ntype: service\nenv:\n  DB_PASSWORD: !<" + canary + "\n",
		"name: x\ntype: service\nenv: &" + canary + " {a: *" + canary + "}\n  b: c\n",
		"name: x\ntype: service\nenv:\n  " + canary + "\xff: 1\n",
	} {
		_, err := Read([]byte(in))
		if err == nil {
			t.Fatalf("%q: no error", in)
		}
		if strings.Contains(err.Error(), canary) || strings.Contains(err.Error(), "CANARY") {
			t.Errorf("the error %q quotes the file", err)
		}
	}
}

func TestProblemOf(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		problem string
		line    int
	}{
		"yaml: line 3: did not find expected key":           {"did not find expected key", 3},
		"yaml: found character that cannot start any token": {"found character that cannot start any token", 0},
		"yaml: unknown anchor 'hunter2' referenced":         {problemUnknownAnchor, 0},
		"yaml: anchor 'x' value contains itself":            {"an anchor's value contains an alias to itself", 0},
		"yaml: exceeded max depth of 10000":                 {"exceeded max depth of 10000", 0},
		"yaml: invalid map key: \"hunter2\"":                {"not valid YAML", 0},
		"yaml: line 2: something new quoting 'hunter2'":     {"not valid YAML", 2},
	}
	for msg, want := range cases {
		p, l := problemOf(errors.New(msg))
		if p != want.problem || l != want.line {
			t.Errorf("problemOf(%q) = %q, %d; want %q, %d", msg, p, l, want.problem, want.line)
		}
	}
}
