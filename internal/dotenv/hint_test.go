package dotenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

// TestHintExplainsTheDuplicate: a key set twice is not a malformed line, so
// its hint names the two lines to choose between instead of explaining the
// line format.
func TestHintExplainsTheDuplicate(t *testing.T) {
	t.Parallel()
	const canary = "CANARYdup7"
	path := filepath.Join(t.TempDir(), "dup.env")
	if err := os.WriteFile(path, []byte("A=1\nB=2\n\nA="+canary+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := ReadFile(path)
	f := failure.As(err)
	if f.Kind != failure.Usage || !strings.Contains(f.Message, "line 4: A: already set on line 1") {
		t.Fatalf("error = %v (%s)", err, f.Kind)
	}
	want := "each key may be set once: delete line 1 or line 4, or rename the key on one of them"
	if f.Hint != want {
		t.Fatalf("hint = %q, want %q", f.Hint, want)
	}
	if strings.Contains(f.Message+f.Hint, canary) {
		t.Fatalf("the value leaked: %q %q", f.Message, f.Hint)
	}

	_, err = Parse(strings.NewReader("A=1\nB C=2\n"))
	if h := Hint(err); !strings.HasPrefix(h, "each line must be KEY=VALUE") {
		t.Fatalf("a malformed line's hint = %q", h)
	}
	if h := Hint(os.ErrClosed); h != "" {
		t.Fatalf("a read error got a syntax hint: %q", h)
	}
}
