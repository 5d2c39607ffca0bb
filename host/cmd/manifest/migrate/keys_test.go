package migrate

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

// keyErrors are every message parseKeys can give: none depends on what
// was typed, which may be a value pasted by mistake.
var keyErrors = func() map[string]bool {
	out := map[string]bool{}
	for _, bad := range []string{"A,,B", strings.Repeat("K", 600), "\xff", "A B", "A:B", "A=v", "a/b", "\x00"} {
		if _, err := parseKeys([]string{bad}); err != nil {
			out[err.Error()] = true
		}
	}
	return out
}()

func TestParseKeys(t *testing.T) {
	t.Parallel()
	got, err := parseKeys([]string{" DB_PASSWORD ,API-KEY", "DB_PASSWORD", "spark.key"})
	if err != nil || strings.Join(got, "|") != "DB_PASSWORD|API-KEY|spark.key" {
		t.Fatalf("got %q, %v", got, err)
	}
	if len(keyErrors) != 6 {
		t.Fatalf("messages %v", keyErrors)
	}
}

// FuzzParseKeys: any --keys values either give names that are each
// non-empty, trimmed, comma-free and a valid key, once each, or fail with
// a usage error whose message repeats nothing of the input.
func FuzzParseKeys(f *testing.F) {
	f.Add("DB_PASSWORD,API_KEY", "TOKEN")
	f.Add(" A , B ", "A")
	f.Add("A=hunter2", "")
	f.Add(",", "a/b")
	f.Add("K\xff", "A:B")
	f.Fuzz(func(t *testing.T, a, b string) {
		names, err := parseKeys([]string{a, b})
		if err != nil {
			if failure.KindOf(err) != failure.Usage || !keyErrors[err.Error()] {
				t.Fatalf("error %q", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, n := range names {
			if n == "" || n != strings.TrimSpace(n) || strings.ContainsAny(n, ",:=/") || !utf8.ValidString(n) || seen[n] || keyName(n) != nil {
				t.Fatalf("name %q of %q", n, names)
			}
			seen[n] = true
			if !strings.Contains(a+","+b, n) {
				t.Fatalf("name %q is not in the input", n)
			}
		}
	})
}
