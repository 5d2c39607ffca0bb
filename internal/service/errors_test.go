package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

func TestMapError(t *testing.T) {
	t.Parallel()
	svc := New(Options{Providers: fakeProviders{}})
	apiErr := func(status int, msg string) error { return statusErr("op", status, msg) }
	tests := []struct {
		name     string
		err      error
		kind     failure.Kind
		msgHas   string
		hintHas  string
		explains bool // routed through providers (integration known)
	}{
		{"401", apiErr(401, "bad token"), failure.Unauthorized, "rejected the API key (401 Unauthorized)", "auth login", false},
		{"403", apiErr(403, "nope"), failure.Forbidden, `check your API key's permissions on secret group "app"`, "", false},
		{"404", apiErr(404, "gone"), failure.NotFound, `secret group "app" not found`, "list groups first", false},
		{"409 exists", apiErr(409, "Secret group with name 'app' already exists"), failure.Conflict, `secret group "app" already exists`, "use a different name", false},
		{"400 exists", apiErr(400, "Secret group with this name already exists"), failure.Conflict, "already exists", "use a different name", false},
		{"409 other", apiErr(409, "locked"), failure.Conflict, "conflict: locked", "", false},
		{"400 zero", apiErr(400, "At least one secret is required"), failure.Usage, "include at least one secret", "", false},
		{"422", apiErr(422, "Missing required fields"), failure.Usage, "every secret needs a key and a value", "", false},
		{"422 store rule", apiErr(422, "Key name does not support underscores"), failure.Usage, "every secret needs a key and a value", "", false},
		{"422 group name", apiErr(422, "Invalid secret group name '../x': use 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit"), failure.Usage, "the API refused the group name (Invalid secret group name", "choose another name", false},
		{"424", apiErr(424, "vault down"), failure.Unavailable, "secret store", "platform admin", false},
		{"429", apiErr(429, "slow down"), failure.Unavailable, "rate limited", "retry later", false},
		{"500", apiErr(500, "boom"), failure.Unavailable, "op: TrueFoundry is unavailable (500 Internal Server Error: boom)", "retry later", false},
		{"307", apiErr(307, ""), failure.Unexpected, "answered 307 Temporary Redirect, a redirect, which the API never sends", "check --host", false},
		{"network", &APIError{Op: "op", Err: errors.New("connection reset by peer"), Kind: ErrUnavailable}, failure.Unavailable, "the connection to TrueFoundry failed (connection reset by peer)", "retry later", false},
		{"deadline", fmt.Errorf("op: %w", context.DeadlineExceeded), failure.Unavailable, "timed out", "--timeout", false},
		{"400 other", apiErr(400, "bad"), failure.Unexpected, "rejected the request", "", false},
		{"soft-delete via providers", apiErr(409, "Secret K is already in a deleted state"), failure.Conflict, "soft-deleted", "purge", true},
		{"failure passes through", failure.New(failure.Denied, "denied"), failure.Denied, "denied", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			about := groupSubject("app")
			if tt.explains {
				about.integration = &Integration{Name: "vault"}
				about.key = "K"
			}
			err := svc.mapError("op", tt.err, about)
			e := failure.As(err)
			if e.Kind != tt.kind || !strings.Contains(e.Message, tt.msgHas) || !strings.Contains(e.Hint, tt.hintHas) {
				t.Fatalf("got %s %q hint %q; want %s %q hint %q", e.Kind, e.Message, e.Hint, tt.kind, tt.msgHas, tt.hintHas)
			}
		})
	}
	if svc.mapError("op", nil, subject{}) != nil {
		t.Fatal("nil error mapped to a failure")
	}
}

// Every failure kind the API can cause reaches the caller of a real
// operation, not just the mapping function.
func TestAPIErrorsSurfaceThroughOperations(t *testing.T) {
	t.Parallel()
	for status, kind := range map[int]failure.Kind{401: failure.Unauthorized, 403: failure.Forbidden, 503: failure.Unavailable} {
		h := newHarness()
		h.api.add("app", map[string]string{"A": "a"})
		h.api.failOn["GroupByFQN"] = statusErr("list secret groups", status, "x")
		_, err := h.svc.GetGroup(context.Background(), plugin.GetGroupRequest{Call: call(), Group: "app"})
		if failure.KindOf(err) != kind {
			t.Errorf("%d: %v (%s), want %s", status, err, failure.KindOf(err), kind)
		}
	}
}
