package service

import (
	"context"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// A SECRET without ':' is read as an id; when it is a group's name the
// error says SECRET is GROUP:KEY and how to name a key of that group, for
// every command that takes a SECRET (issue 11, item 15).
func TestSecretGivenAsAGroupName(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.api.add("demo-app", map[string]string{"DB": "x", "API": "y"})
	calls := map[string]func(string) error{
		"secret get": func(s string) error {
			_, err := h.svc.GetSecret(context.Background(), plugin.SecretRequest{Call: call(), Secret: s})
			return err
		},
		"secret versions": func(s string) error {
			_, err := h.svc.ListSecretVersions(context.Background(), plugin.SecretRequest{Call: call(), Secret: s})
			return err
		},
	}
	for name, do := range calls {
		e := failure.As(do("demo-app"))
		if e.Kind != failure.NotFound || !strings.Contains(e.Message, `no secret has the id "demo-app"; SECRET is GROUP:KEY`) {
			t.Errorf("%s demo-app: %s %q", name, e.Kind, e.Message)
		}
		if !strings.Contains(e.Hint, `"demo-app" is a secret group; name one of its keys: tfy-secrets secret get demo-app:KEY`) || strings.Contains(e.Hint, "DB") {
			t.Errorf("%s demo-app: hint %q (it must not list the keys: that is group get's, under policy)", name, e.Hint)
		}
		e = failure.As(do("no-such-thing"))
		if e.Kind != failure.NotFound || !strings.Contains(e.Message, "SECRET is GROUP:KEY") || !strings.Contains(e.Hint, "tfy-secrets secret get GROUP:KEY") {
			t.Errorf("%s no-such-thing: %q hint %q", name, e.Message, e.Hint)
		}
	}
}
