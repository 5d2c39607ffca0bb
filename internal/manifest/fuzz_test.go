package manifest

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// fuzzCanary replaces "@@" in fuzzed input, so the fuzzer can move a known
// value anywhere in a document and the target can check it never leaks.
const fuzzCanary = "CANARYfz0019"

var syntaxErrorRe = regexp.MustCompile(`^(?:line \d+(?:, column \d+)?|document \d+): (.*)$`)

// knownProblem reports whether p is one of the fixed texts a SyntaxError may
// carry.
func knownProblem(p string) bool {
	return problems[p] || maxDepthRe.MatchString(p) || p == problemUnknownAnchor ||
		p == "an anchor's value contains an alias to itself" || p == "not valid YAML" ||
		p == "the file is UTF-16; manifests are read as UTF-8"
}

var fuzzSeeds = []string{
	"name: a\ntype: service\nenv:\n  DB_PASSWORD: @@\n",
	"name: a\ntype: service\nenv:\n  K: \"@@\n",
	"name: a\ntype: service\nenv:\n  K: *@@\n",
	"name: a\ntype: service\nenv: {A: 1, B: [x, @@]}\n",
	"name: a\ncomponents:\n  - type: job\n    env:\n      - name: X\n        value: @@\n",
	"name: a\ntype: helm\nvalues: &v {a: *v}\n",
	"name: a\ntype: service\nenv:\n  K: |2-\n     @@\n  L: >\n    a\n\n    b\n",
	"k: 'it''s'\r\nj: \"\\u00e9\\\n  x\"\r\n",
	"--- |\n  root\n...\n--- >-\n  folded\n",
	"a: &x\n  b: 1\nc:\n  <<: [*x]\n  d: tfy-secret://t:g:@@\n",
	"\xef\xbb\xbfk: v\u0085j: w\u2028",
	"k: plain\n  continued\n\n  more # c\n",
}

// FuzzRead: reading never panics; an error is a *SyntaxError whose text is
// a fixed problem and a position, never input; a read file's positions all
// map back to its bytes, and no reason or message holds the canary.
func FuzzRead(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	for _, name := range fixtures {
		f.Add(readFixture(f, name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		src := []byte(strings.ReplaceAll(string(data), "@@", fuzzCanary))
		file, err := Read(src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *SyntaxError", err)
			}
			m := syntaxErrorRe.FindStringSubmatch(se.Error())
			if m == nil || !knownProblem(m[1]) {
				t.Fatalf("error %q is not a position and a known problem", se.Error())
			}
			if se.Line < 0 || se.Column < 0 || se.Line == 0 && se.Column != 0 {
				t.Fatalf("bad position in %+v", *se)
			}
			return
		}
		for _, l := range file.Locations {
			if _, ok := file.text.offset(l.Line, l.Column); !ok {
				t.Fatalf("%s: position %d:%d is not in the file", l.Path, l.Line, l.Column)
			}
			for _, s := range []string{l.Plaintext.Reason, l.Ref.Message()} {
				if strings.Contains(s, fuzzCanary) {
					t.Fatalf("%s: %q holds the canary", l.Path, s)
				}
			}
			if l.Null == l.Value.IsSet() {
				t.Fatalf("%s: null %v but value set %v", l.Path, l.Null, l.Value.IsSet())
			}
		}
	})
}

// FuzzRewrite: an edit of any value scalar to any value either is refused
// for a documented reason or yields bytes that parse, hold the new value at
// the edited path and every other scalar and comment unchanged, and differ
// from the input only inside the edited scalar.
func FuzzRewrite(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add([]byte(s), uint(i), propertyValues[i%len(propertyValues)])
	}
	for i, name := range fixtures {
		f.Add(readFixture(f, name), uint(i*7), "tfy-secret://acme:g:KEY")
	}
	f.Fuzz(func(t *testing.T, data []byte, pick uint, value string) {
		file, err := Read(data)
		if err != nil {
			return
		}
		all := scalars(file.docs)
		var candidates []scalar
		for _, s := range all {
			if !s.isKey && !s.ambiguous {
				candidates = append(candidates, s)
			}
		}
		if len(candidates) == 0 {
			return
		}
		s := candidates[pick%uint(len(candidates))]
		out, err := file.Rewrite([]Edit{{s.doc, s.path, value}})
		if err != nil {
			var ee *EditError
			if !errors.As(err, &ee) {
				t.Fatalf("doc %d %s = %q: %v", s.doc, s.path, value, err)
			}
			switch {
			case expectedRefusal(s), ee.Reason == "the new value is not valid UTF-8":
			case ee.Reason == errNoWay:
				// Legitimate only where libyaml rejects every way of writing
				// this value; a plain word must still fit where the old text
				// was, or the rewriter got the old text's extent wrong.
				if _, err := file.Rewrite([]Edit{{s.doc, s.path, "x"}}); err != nil {
					t.Fatalf("doc %d %s: %q refused as %v, and even x: %v", s.doc, s.path, value, ee, err)
				}
			default:
				t.Fatalf("doc %d %s = %q refused: %v", s.doc, s.path, value, err)
			}
			return
		}
		if expectedRefusal(s) {
			t.Fatalf("doc %d %s = %q: an edit that must be refused was made", s.doc, s.path, value)
		}
		checkRewritten(t, file, data, out, s, value, all, comments(file.docs))
	})
}

// FuzzParseRef: parsing never panics; a canonical reference renders back to
// itself; a broken one has a message and a fix, and the message does not
// repeat the value; a repaired reference reads back as canonical.
func FuzzParseRef(f *testing.F) {
	for _, s := range []string{
		"tfy-secret://acme:g:K", "tfy-secret://g/K", "tfy-secret://g:K", "tfy-secret://a:b:c:d", "tfy-secret:/a:b:c",
		"TFY-SECRET://a:b:c", " tfy-secret://a:b:c ", "tfy-secret://a::c", "x tfy-secret://a:b:c", "tfy-secret://",
		"tfy-secret:", "hunter2", "", "tfy-secret://a:b:c\x00", "tfy-secret://<tenant>:<group>:<key>", "Tfy-sEcReT:///a/b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := ParseRef(s)
		switch {
		case c.Status == RefOK:
			if c.Ref.String() != s {
				t.Fatalf("%q is canonical but renders as %q", s, c.Ref.String())
			}
		case c.Status.Broken():
			msg := c.Message()
			if msg == "" || c.Fix("acme") == "" {
				t.Fatalf("%q: status %s without a message or fix", s, c.Status)
			}
			if v := strings.TrimFunc(s, unicode.IsSpace); len(v) > len(Scheme) && strings.Contains(msg, v) && !strings.Contains(canonical, v) {
				t.Fatalf("%q: the message %q repeats the value", s, msg)
			}
		}
		r := c.Ref
		if r.Tenant != "" && r.Group != "" && r.Key != "" {
			if _, err := FormatRef(r.Tenant, r.Group, r.Key); err == nil {
				if back := ParseRef(r.String()); back.Status != RefOK || back.Ref != r {
					t.Fatalf("%q: the repaired %q reads back as %s %+v", s, r.String(), back.Status, back.Ref)
				}
			}
		}
	})
}
