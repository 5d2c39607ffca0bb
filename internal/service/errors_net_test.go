package service

import (
	"context"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

// TestMapTransportErrors: a failure the user must fix in the configuration
// names the host and says to check --host / TFY_BASE_URL; "retry later" is
// kept for what time can fix (5xx, 429, timeouts, dropped connections).
func TestMapTransportErrors(t *testing.T) {
	t.Parallel()
	svc := New(Options{})
	const host = "acme.truefoundry.cloud"
	netErr := func(cause error, detail string) error {
		return &APIError{Op: "list secret groups", Host: host, Kind: ErrUnavailable, Cause: cause, Detail: detail}
	}
	tooLarge := &APIError{Op: "list secret groups", Host: host, Status: 200, Kind: ErrUnavailable, Cause: ErrResponseTooLarge, Limit: 128 << 20}
	unavailable, limited := statusErr("list secret groups", 503, "down"), statusErr("list secret groups", 429, "")
	unavailable.Host, limited.Host = host, host
	tests := []struct {
		name    string
		err     error
		msgHas  []string
		hintHas string
		retry   bool // the hint says to retry later
	}{
		{"refused", netErr(ErrConnectionRefused, "dial tcp: connection refused"), []string{host + " refused the connection"}, "check --host or TFY_BASE_URL", false},
		{"unknown host", netErr(ErrHostNotFound, "no such host"), []string{"the host name " + host + " does not resolve"}, "check --host or TFY_BASE_URL", false},
		{"plain http", netErr(ErrNotHTTPS, "server gave HTTP response to HTTPS client"), []string{host + " did not answer in TLS to an https:// request (it may serve plain HTTP)"}, "check --host or TFY_BASE_URL", false},
		{"certificate", netErr(ErrCertificate, "tls: failed to verify certificate: x509: certificate signed by unknown authority"), []string{"the TLS certificate of " + host + " is not trusted", "unknown authority"}, "SSL_CERT_FILE", false},
		{"too large", tooLarge, []string{host + " sent an answer over 128 MiB"}, "check --host or TFY_BASE_URL", false},
		{"503", unavailable, []string{"TrueFoundry at " + host + " is unavailable (503 Service Unavailable: down)"}, "retry later", true},
		{"429", limited, []string{"rate limited by " + host}, "retry later", true},
		{"timeout", &APIError{Op: "list secret groups", Host: host, Kind: ErrUnavailable, Err: context.DeadlineExceeded}, []string{"timed out waiting for " + host}, "retry later", true},
		{"reset", netErr(nil, "read: connection reset by peer"), []string{"the connection to " + host + " failed"}, "retry later", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := failure.As(svc.mapError("list secret groups", tt.err, groupSubject("app")))
			if e.Kind != failure.Unavailable {
				t.Errorf("kind = %s, want unavailable (exit 9)", e.Kind)
			}
			for _, want := range tt.msgHas {
				if !strings.Contains(e.Message, want) {
					t.Errorf("message %q lacks %q", e.Message, want)
				}
			}
			if !strings.Contains(e.Hint, tt.hintHas) {
				t.Errorf("hint %q lacks %q", e.Hint, tt.hintHas)
			}
			if got := strings.Contains(e.Hint, "retry later"); got != tt.retry {
				t.Errorf("hint %q: says retry later = %v, want %v", e.Hint, got, tt.retry)
			}
			if strings.Count(e.Message, "list secret groups") != 1 {
				t.Errorf("message %q repeats the operation", e.Message)
			}
		})
	}
}
