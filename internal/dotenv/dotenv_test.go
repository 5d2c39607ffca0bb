package dotenv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

type kv struct {
	key, value string
	line       int
}

func pairsOf(ps []Pair) []kv {
	out := make([]kv, 0, len(ps))
	for _, p := range ps {
		out = append(out, kv{p.Key, p.Value.Reveal(), p.Line})
	}
	return out
}

func TestParseAccepts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want []kv
	}{
		{"plain", "A=1\nB=two\n", []kv{{"A", "1", 1}, {"B", "two", 2}}},
		{"no final newline", "A=1", []kv{{"A", "1", 1}}},
		{"blank and comments", "\n# c\n   # indented comment\n\t\nA=1\n", []kv{{"A", "1", 5}}},
		{"export prefix", "export A=1\n", []kv{{"A", "1", 1}}},
		{"double quotes", `A="x y"`, []kv{{"A", "x y", 1}}},
		{"single quotes", `A='x y'`, []kv{{"A", "x y", 1}}},
		{"only one pair stripped", `A=""x""`, []kv{{"A", `"x"`, 1}}},
		{"mixed quotes kept", `A="x'`, nil},
		{"empty value", "A=\n", []kv{{"A", "", 1}}},
		{"empty quoted value", `A=""`, []kv{{"A", "", 1}}},
		{"first = splits", "A=b=c==\n", []kv{{"A", "b=c==", 1}}},
		{"no shell evaluation", "A=$(rm -rf /) `id` ${HOME} \\n\n", []kv{{"A", "$(rm -rf /) `id` ${HOME} \\n", 1}}},
		{"hash in value is literal", "A=x # not a comment\n", []kv{{"A", "x # not a comment", 1}}},
		{"spaces in value kept", "A= x \n", []kv{{"A", " x ", 1}}},
		{"crlf", "A=1\r\nB='2'\r\n", []kv{{"A", "1", 1}, {"B", "2", 2}}},
		{"bom", "\xef\xbb\xbfA=1\n", []kv{{"A", "1", 1}}},
		{"underscore and digits", "_a9=1\n", []kv{{"_a9", "1", 1}}},
		{"trailing quote kept", `A=say "hi"x"`, []kv{{"A", `say "hi"x"`, 1}}},
		{"binary value bytes", "A=\x00\xff\n", []kv{{"A", "\x00\xff", 1}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(strings.NewReader(tc.in))
			if tc.want == nil {
				if err == nil {
					t.Fatalf("Parse(%q) succeeded, want an error", tc.in)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if fmt.Sprint(pairsOf(got)) != fmt.Sprint(tc.want) {
				t.Fatalf("Parse(%q) = %v, want %v", tc.in, pairsOf(got), tc.want)
			}
		})
	}
}

// A canary sits in every malformed line; the error must name the line and
// say what is wrong without ever containing it.
func TestParseRejectsWithoutLeaking(t *testing.T) {
	t.Parallel()
	const canary = "CANARYq7Zx"
	cases := []struct {
		name, in string
		line     int
		reason   string
	}{
		{"no equals", "A=1\n" + canary + "\n", 2, "not a KEY=VALUE line"},
		{"space before equals", "A =" + canary, 1, "space around the key"},
		{"leading space", "  A=" + canary, 1, "space around the key"},
		{"digit first", "9A=" + canary, 1, "starts with a digit"},
		{"dash in key", "A-B=" + canary, 1, "character other than"},
		{"key is the canary with bad char", canary + "-x=1", 1, "character other than"},
		{"missing key", "=" + canary, 1, "missing key"},
		{"unclosed double quote", `A="` + canary, 1, "A: value opens a quote"},
		{"unclosed single quote", `A='` + canary + "\nB=2'", 1, "A: value opens a quote"},
		{"lone quote", `A="`, 1, "value opens a quote"},
		{"export tab", "export\tA=" + canary, 1, "character other than"},
		{"duplicate key", "A=1\n\nA=" + canary, 3, "A: already set on line 1"},
		{"unicode key", "ÄB=" + canary, 1, "character other than"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(strings.NewReader(tc.in))
			serr, ok := errors.AsType[*SyntaxError](err)
			if !ok {
				t.Fatalf("Parse(%q) error = %v, want *SyntaxError", tc.in, err)
			}
			if serr.Line != tc.line {
				t.Errorf("line = %d, want %d", serr.Line, tc.line)
			}
			if !strings.Contains(err.Error(), tc.reason) {
				t.Errorf("error %q does not say %q", err, tc.reason)
			}
			if !strings.HasPrefix(err.Error(), fmt.Sprintf("line %d: ", tc.line)) {
				t.Errorf("error %q does not start with the line", err)
			}
			if strings.Contains(err.Error(), canary) {
				t.Errorf("error leaks line text: %q", err)
			}
		})
	}
}

func TestParseLongLine(t *testing.T) {
	t.Parallel()
	long := "A=" + strings.Repeat("v", MaxLineBytes) + "\nB=2\n"
	_, err := Parse(strings.NewReader(long))
	if serr, ok := errors.AsType[*SyntaxError](err); !ok || serr.Line != 1 || !strings.Contains(err.Error(), "longer than") {
		t.Fatalf("error = %v, want line 1 too long", err)
	}
	if strings.Contains(err.Error(), "vvvv") {
		t.Fatalf("error leaks the value")
	}
	// Lenient parsing drops the long line and carries on with the next.
	pairs, skipped, err := ParseLenient(strings.NewReader(long))
	if err != nil || len(skipped) != 1 || fmt.Sprint(pairsOf(pairs)) != fmt.Sprint([]kv{{"B", "2", 2}}) {
		t.Fatalf("ParseLenient = %v, %v, %v", pairsOf(pairs), skipped, err)
	}
	// A line of exactly MaxLineBytes is fine with any ending; one byte more
	// is not.
	edge := "A=" + strings.Repeat("v", MaxLineBytes-2)
	for _, in := range []string{edge, edge + "\n", edge + "\r\n"} {
		got, err := Parse(strings.NewReader(in))
		if err != nil || len(got) != 1 || got[0].Value.Len() != MaxLineBytes-2 {
			t.Fatalf("edge line: %d pairs, err %v", len(got), err)
		}
		if _, err := Parse(strings.NewReader(strings.Replace(in, "A=", "A=v", 1))); err == nil {
			t.Fatalf("a line of MaxLineBytes+1 (ending %q) was accepted", strings.TrimPrefix(in, edge))
		}
	}
}

func TestParseLenientSkipsLikeTfyAPISh(t *testing.T) {
	t.Parallel()
	in := "TFY_HOST=https://a.example.com\nnot a line\nexport TFY_API_KEY='k1'\nTFY_API_KEY=\"k2\"\nX = y\nZ=\"open\n"
	pairs, skipped, err := ParseLenient(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []kv{{"TFY_HOST", "https://a.example.com", 1}, {"TFY_API_KEY", "k2", 4}}
	if fmt.Sprint(pairsOf(pairs)) != fmt.Sprint(want) {
		t.Fatalf("pairs = %v, want %v", pairsOf(pairs), want)
	}
	var lines []int
	for _, s := range skipped {
		lines = append(lines, s.Line)
	}
	if fmt.Sprint(lines) != "[2 5 6]" {
		t.Fatalf("skipped lines = %v, want [2 5 6]", lines)
	}
}

func TestReadErrorsAreReported(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk on fire")
	r := iotest.TimeoutReader(strings.NewReader("A=1\n"))
	_, err := Parse(iotest.ErrReader(boom))
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "read line 1") {
		t.Fatalf("Parse error = %v", err)
	}
	if _, _, err := ParseLenient(iotest.ErrReader(boom)); !errors.Is(err, boom) {
		t.Fatalf("ParseLenient error = %v", err)
	}
	// One byte at a time still parses: line assembly does not depend on read sizes.
	got, err := Parse(iotest.OneByteReader(strings.NewReader("A=1\nB='2'\n")))
	if err != nil || len(got) != 2 || got[1].Value.Reveal() != "2" {
		t.Fatalf("one-byte reader: %v %v", pairsOf(got), err)
	}
	if _, err := Parse(r); err == nil {
		t.Fatal("timeout reader: want an error")
	}
}

func TestReadFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.env")
	if err := os.WriteFile(good, []byte("export A='1'\nB=2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(good)
	if err != nil || fmt.Sprint(pairsOf(got)) != fmt.Sprint([]kv{{"A", "1", 1}, {"B", "2", 2}}) {
		t.Fatalf("ReadFile = %v, %v", pairsOf(got), err)
	}

	const canary = "CANARYfile9"
	bad := filepath.Join(dir, "bad.env")
	if err := os.WriteFile(bad, []byte("A=1\nB C="+canary+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = ReadFile(bad)
	if failure.KindOf(err) != failure.Usage {
		t.Fatalf("kind = %s, want usage", failure.KindOf(err))
	}
	msg := err.Error() + failure.As(err).Hint
	if !strings.Contains(err.Error(), bad+": line 2: ") || strings.Contains(msg, canary) {
		t.Fatalf("error = %q", err)
	}

	_, err = ReadFile(filepath.Join(dir, "missing.env"))
	if failure.KindOf(err) != failure.Usage || !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "missing.env") {
		t.Fatalf("missing file error = %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"A=1\n", "export A='x'\n", "A=\"open\n", "# c\n\nA=b=c\r\n", "\xef\xbb\xbfA=1", "=x", "A =1", "9=1",
		"A=1\nA=2", "A='", "A=\"\"", "export\tA=1", "\x00=\x00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		strict, err := Parse(strings.NewReader(string(in)))
		lenient, skipped, lerr := ParseLenient(strings.NewReader(string(in)))
		if lerr != nil {
			t.Fatalf("lenient parse of in-memory input failed: %v", lerr)
		}
		if err != nil {
			serr, ok := errors.AsType[*SyntaxError](err)
			if !ok || serr.Line < 1 {
				t.Fatalf("error %v is not a *SyntaxError with a line", err)
			}
			// The only text from the input an error may carry is a valid key;
			// the reason comes from a fixed vocabulary.
			if serr.Key != "" && keyProblem([]byte(serr.Key)) != "" {
				t.Fatalf("error names an invalid key: %v", err)
			}
			known := false
			for _, r := range []string{"not a KEY=VALUE line", "missing key", "space around", "key starts with a digit", "key has a character other than", "value opens a quote", "already set on line", "line longer than"} {
				known = known || strings.HasPrefix(serr.Reason, r)
			}
			if !known {
				t.Fatalf("unexpected reason %q", serr.Reason)
			}
			return
		}
		// Strict success means nothing was skipped and both modes agree.
		if len(skipped) != 0 || fmt.Sprint(pairsOf(strict)) != fmt.Sprint(pairsOf(lenient)) {
			t.Fatalf("strict %v vs lenient %v (skipped %v)", pairsOf(strict), pairsOf(lenient), skipped)
		}
		for _, p := range strict {
			if keyProblem([]byte(p.Key)) != "" || p.Line < 1 {
				t.Fatalf("bad pair %q at line %d", p.Key, p.Line)
			}
		}
	})
}

// BenchmarkParse measures a 1,000-key file, the size of the largest group in
// the performance budgets.
func BenchmarkParse(b *testing.B) {
	var sb strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&sb, "export KEY_%d='value-%d-%s'\n", i, i, strings.Repeat("x", 40))
	}
	in := sb.String()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := Parse(strings.NewReader(in)); err != nil {
			b.Fatal(err)
		}
	}
}
