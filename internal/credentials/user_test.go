package credentials

import (
	"strings"
	"testing"
	"unicode"

	"github.com/tfy-secrets/tfy-secrets/internal/secret"
)

func TestUserFromKey(t *testing.T) {
	t.Parallel()
	for name, tt := range map[string]struct {
		key  string
		want string
	}{
		"username":             {jwtWith(t, map[string]any{"username": "ada", "email": "ada@example.com"}), "ada"},
		"email when no name":   {jwtWith(t, map[string]any{"email": "ada@example.com"}), "ada@example.com"},
		"empty username":       {jwtWith(t, map[string]any{"username": "", "email": "e@x"}), "e@x"},
		"not a string":         {jwtWith(t, map[string]any{"username": 7}), ""},
		"nobody":               {jwtWith(t, map[string]any{"tenantName": "demo"}), ""},
		"not a jwt":            {"tfy-plain-key", ""},
		"escape sequence":      {jwtWith(t, map[string]any{"username": "ada\x1b[2J"}), ""},
		"bidi override":        {jwtWith(t, map[string]any{"username": "ada\u202egnp"}), ""},
		"too long":             {jwtWith(t, map[string]any{"username": strings.Repeat("a", 257)}), ""},
		"resolver says so too": {jwtWith(t, map[string]any{"username": "bob"}), "bob"},
	} {
		if got := UserFromKey(secret.FromString(tt.key)); got != tt.want {
			t.Errorf("%s: UserFromKey = %q, want %q", name, got, tt.want)
		}
		if got := New(Options{}).User(secret.FromString(tt.key)); got != tt.want {
			t.Errorf("%s: Resolver.User = %q, want %q", name, got, tt.want)
		}
	}
}

func FuzzUserFromKey(f *testing.F) {
	f.Add(jwtWith(f, map[string]any{"username": "ada"}))
	f.Add(jwtWith(f, map[string]any{"email": "a\tb"}))
	f.Add("a.b.c")
	f.Add("x")
	f.Fuzz(func(t *testing.T, key string) {
		user := UserFromKey(secret.FromString(key))
		if len(user) > maxUserBytes || strings.ContainsFunc(user, unicode.IsControl) {
			t.Fatalf("UserFromKey returned %q", user)
		}
		if user != "" && strings.Count(key, ".") != 2 {
			t.Fatalf("user %q read from a key that is not a JWT", user)
		}
	})
}
