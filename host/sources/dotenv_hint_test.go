package sources

import (
	"context"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

// TestDotenvStdinHints: a .env document on standard input gets the same
// hints as a file: a key set twice names both lines.
func TestDotenvStdinHints(t *testing.T) {
	t.Parallel()
	spec, err := ParseFromDotenv("-")
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"A=1\nA=" + canary + "\n": "each key may be set once: delete line 1 or line 2",
		"A=1\n" + canary + "\n":   "each line must be KEY=VALUE",
	} {
		_, err := Reader{Stdin: strings.NewReader(in)}.Read(context.Background(), []Spec{spec})
		f := failure.As(err)
		if f.Kind != failure.Usage || !strings.HasPrefix(f.Hint, want) || strings.Contains(f.Message+f.Hint, canary) {
			t.Errorf("%q: %v, hint %q, want a usage error with hint %q", in, err, f.Hint, want)
		}
	}
}
