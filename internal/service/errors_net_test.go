package service

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/tfyapi"
)

// TestMapTransportErrors: a failure the user must fix in the configuration
// names the host and says to check --host / TFY_BASE_URL; "retry later" is
// kept for what time can fix (5xx, 429, timeouts, dropped connections).
func TestMapTransportErrors(t *testing.T) {
	t.Parallel()
	svc := New(Options{})
	const host = "acme.truefoundry.cloud"
	netErr := func(cause error) error {
		return &tfyapi.Error{Op: "list secret groups", Host: host, Err: cause}
	}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	tests := []struct {
		name    string
		err     error
		msgHas  []string
		hintHas string
		retry   bool // the hint says to retry later
	}{
		{"refused", netErr(refused), []string{host + " refused the connection"}, "check --host or TFY_BASE_URL", false},
		{"unknown host", netErr(&net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}), []string{"the host name " + host + " does not resolve"}, "check --host or TFY_BASE_URL", false},
		{"plain http", netErr(http.ErrSchemeMismatch), []string{host + " did not answer in TLS to an https:// request (it may serve plain HTTP)"}, "check --host or TFY_BASE_URL", false},
		{"certificate", netErr(fmt.Errorf("tls: failed to verify certificate: %w", x509.UnknownAuthorityError{})), []string{"the TLS certificate of " + host + " is not trusted", "unknown authority"}, "SSL_CERT_FILE", false},
		{"too large", &tfyapi.Error{Op: "list secret groups", Host: host, Status: 200, Err: fmt.Errorf("%w: over", tfyapi.ErrResponseTooLarge)}, []string{host + " sent an answer over 128 MiB"}, "check --host or TFY_BASE_URL", false},
		{"503", &tfyapi.Error{Op: "list secret groups", Host: host, Status: 503, Message: "down"}, []string{"TrueFoundry at " + host + " is unavailable (503 Service Unavailable: down)"}, "retry later", true},
		{"429", &tfyapi.Error{Op: "list secret groups", Host: host, Status: 429}, []string{"rate limited by " + host}, "retry later", true},
		{"timeout", &tfyapi.Error{Op: "list secret groups", Host: host, Err: context.DeadlineExceeded}, []string{"timed out waiting for " + host}, "retry later", true},
		{"reset", netErr(os.NewSyscallError("read", syscall.ECONNRESET)), []string{"the connection to " + host + " failed"}, "retry later", true},
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
	if errors.Is(netErr(refused), tfyapi.ErrCertificate) {
		t.Fatal("a refused connection is classified as a certificate error")
	}
}
