//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package iostreams

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"
)

// hiddenFrom runs readHidden on a pipe carrying input.
func hiddenFrom(t *testing.T, input string) (string, error) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := io.WriteString(w, input); err != nil {
		t.Fatal(err)
	}
	w.Close()
	b, err := readHidden(int(r.Fd()))
	return string(b), err
}

func TestReadHidden(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"value\nrest":                    "value",
		"ab\bc\n":                        "ac",
		"\b\bx\n":                        "x",
		"no line ending":                 "no line ending",
		"\n":                             "",
		strings.Repeat("v", 1000) + "\n": strings.Repeat("v", 1000),
	} {
		got, err := hiddenFrom(t, in)
		if err != nil || got != want {
			t.Errorf("%q: read %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := hiddenFrom(t, ""); !errors.Is(err, io.EOF) {
		t.Errorf("empty input: %v, want EOF", err)
	}
	if _, err := readHidden(-1); err == nil {
		t.Error("a bad descriptor read without error")
	}
}

// FuzzReadHidden: whatever the terminal sends, the answer is the first
// line with backspaces applied, and nothing after it is consumed into it;
// input that ends before any character or line ending is EOF.
func FuzzReadHidden(f *testing.F) {
	f.Add("value\n")
	f.Add("a\b\bb\nc")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := hiddenFrom(t, in)
		first, _, ended := strings.Cut(in, "\n")
		var want []byte
		for _, c := range []byte(first) {
			if c != '\b' {
				want = append(want, c)
			} else if len(want) > 0 {
				want = want[:len(want)-1]
			}
		}
		if !ended && len(want) == 0 {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("%q: read %q, %v; want EOF", in, got, err)
			}
			return
		}
		if err != nil || got != string(want) {
			t.Fatalf("%q: read %q, %v; want %q", in, got, err, want)
		}
	})
}
