package wiring

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"syscall"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/service"
	"github.com/tfy-secrets/tfy-secrets/internal/tfyapi"
)

// TestAPIErrorMapsEveryKind: each failure the client classifies reaches the
// service as the service's sentinel, with the status, message and detail
// the service words its messages from.
func TestAPIErrorMapsEveryKind(t *testing.T) {
	t.Parallel()
	const host = "acme.truefoundry.cloud"
	status := func(code int, msg string) error {
		return &tfyapi.Error{Op: "list secret groups", Host: host, Status: code, Message: msg}
	}
	network := func(cause error) error { return &tfyapi.Error{Op: "list secret groups", Host: host, Err: cause} }
	tests := []struct {
		name        string
		err         error
		kind, cause error
	}{
		{"400", status(400, "bad"), service.ErrBadRequest, nil},
		{"400 exists", status(400, "Secret group with this name already exists"), service.ErrConflict, nil},
		{"401", status(401, ""), service.ErrUnauthorized, nil},
		{"403", status(403, "no"), service.ErrForbidden, nil},
		{"404", status(404, "gone"), service.ErrNotFound, nil},
		{"409", status(409, "locked"), service.ErrConflict, nil},
		{"422", status(422, "bad key"), service.ErrUnprocessable, nil},
		{"424", status(424, "vault down"), service.ErrFailedDependency, nil},
		{"429", status(429, ""), service.ErrRateLimited, nil},
		{"503", status(503, "down"), service.ErrUnavailable, nil},
		{"307", status(307, ""), nil, nil},
		{"refused", network(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), service.ErrUnavailable, service.ErrConnectionRefused},
		{"unknown host", network(&net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}), service.ErrUnavailable, service.ErrHostNotFound},
		{"plain http", network(http.ErrSchemeMismatch), service.ErrUnavailable, service.ErrNotHTTPS},
		{"certificate", network(fmt.Errorf("tls: failed to verify certificate: %w", x509.UnknownAuthorityError{})), service.ErrUnavailable, service.ErrCertificate},
		{"too large", &tfyapi.Error{Op: "list secret groups", Host: host, Status: 200, Err: fmt.Errorf("%w: over", tfyapi.ErrResponseTooLarge)}, service.ErrUnavailable, service.ErrResponseTooLarge},
		{"reset", network(os.NewSyscallError("read", syscall.ECONNRESET)), service.ErrUnavailable, nil},
	}
	for _, tt := range tests {
		got := apiError(tt.err)
		e, ok := errors.AsType[*service.APIError](got)
		if !ok {
			t.Fatalf("%s: %T, want *service.APIError", tt.name, got)
		}
		client, _ := errors.AsType[*tfyapi.Error](tt.err)
		if e.Kind != tt.kind || e.Cause != tt.cause {
			t.Errorf("%s: kind %v cause %v, want %v and %v", tt.name, e.Kind, e.Cause, tt.kind, tt.cause)
		}
		if e.Op != client.Op || e.Host != host || e.Status != client.Status || e.Message != client.Message || e.Detail != client.Detail() {
			t.Errorf("%s: %+v lost what the client said (%+v)", tt.name, e, client)
		}
		if (e.Limit != 0) != (tt.cause == service.ErrResponseTooLarge) || e.Limit != 0 && e.Limit != tfyapi.MaxResponseBytes {
			t.Errorf("%s: limit %d", tt.name, e.Limit)
		}
		if tt.kind != nil && !errors.Is(got, tt.kind) || tt.cause != nil && !errors.Is(got, tt.cause) {
			t.Errorf("%s: errors.Is does not match the kind and the cause", tt.name)
		}
	}
}

// TestAPIErrorPassesTheRestThrough: the context's own errors stay
// reachable, an id the client refused is the service's ErrNotAnID, and
// what is not the client's passes unchanged.
func TestAPIErrorPassesTheRestThrough(t *testing.T) {
	t.Parallel()
	timeout := apiError(&tfyapi.Error{Op: "update secret group", Err: context.DeadlineExceeded})
	if !errors.Is(timeout, context.DeadlineExceeded) || !errors.Is(timeout, service.ErrUnavailable) {
		t.Errorf("a timed-out write lost its cause or its kind: %v", timeout)
	}
	notID := apiError(fmt.Errorf("get secret group: %q is not an id: %w", "..", tfyapi.ErrNotAnID))
	if !errors.Is(notID, service.ErrNotAnID) {
		t.Errorf("%v is not service.ErrNotAnID", notID)
	}
	if apiError(context.Canceled) != context.Canceled || apiError(nil) != nil {
		t.Error("an error that is not the client's was changed")
	}
}
