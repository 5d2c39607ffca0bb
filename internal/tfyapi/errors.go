package tfyapi

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"
)

// Sentinels classify an *Error; match them with errors.Is.
var (
	ErrBadRequest       = errors.New("bad request")          // 400
	ErrUnauthorized     = errors.New("unauthorized")         // 401
	ErrForbidden        = errors.New("forbidden")            // 403
	ErrNotFound         = errors.New("not found")            // 404
	ErrConflict         = errors.New("conflict")             // 409, or a 4xx saying "already exists"
	ErrUnprocessable    = errors.New("unprocessable entity") // 422
	ErrFailedDependency = errors.New("failed dependency")    // 424: the backing store failed
	ErrRateLimited      = errors.New("rate limited")         // 429, after retries
	ErrUnavailable      = errors.New("unavailable")          // 5xx, network, timeout, after retries
	// ErrResponseTooLarge: the body went past MaxResponseBytes. Such an
	// error also matches ErrUnavailable, because a write whose answer was
	// cut off may still have been applied.
	ErrResponseTooLarge = errors.New("response too large")
)

// Why no response arrived, when it is something the user must fix rather
// than wait out: each also matches ErrUnavailable, and only a refused
// connection is retried (a server may be restarting).
var (
	ErrConnectionRefused = errors.New("connection refused")
	ErrHostNotFound      = errors.New("host not found")                              // the name does not resolve
	ErrNotHTTPS          = errors.New("no TLS answer to an HTTPS request")           // an https:// URL for a server that does not speak TLS
	ErrCertificate       = errors.New("the server's TLS certificate is not trusted") // unknown authority, wrong name, expired
)

// ErrNotAnID is the error of a call given an id that no resource can have:
// empty, or "." or "..", which would travel as a dot segment of the URL
// path and reach another endpoint on a server that normalises paths.
var ErrNotAnID = errors.New("not an id")

// checkID refuses an id that cannot name a resource, before any request.
func checkID(op, id string) error {
	switch id {
	case "":
		return fmt.Errorf("%s: empty id: %w", op, ErrNotAnID)
	case ".", "..":
		return fmt.Errorf("%s: %q is not an id: %w", op, id, ErrNotAnID)
	}
	return nil
}

// Error is a failed API call. Message is the server's own message (or a
// description of the network failure); it never holds a secret value because
// bodies that can carry values are never quoted (see readErrorBody).
type Error struct {
	Op      string // short operation name, e.g. "create secret group"
	Host    string // the control plane's host[:port], for messages that must say which
	Status  int    // HTTP status; 0 when no response arrived
	Message string
	Err     error // the network or context error behind a Status 0 failure

	retryAfter    time.Duration
	hasRetryAfter bool
}

func (e *Error) Error() string { return e.Op + ": " + e.Detail() }

// Detail is the error without its operation: "503 Service Unavailable:
// <the server's message>", or the network cause when no response arrived.
func (e *Error) Detail() string {
	if errors.Is(e.Err, ErrResponseTooLarge) {
		return e.Err.Error()
	}
	var b strings.Builder
	if e.Status != 0 {
		fmt.Fprintf(&b, "%d %s", e.Status, http.StatusText(e.Status))
		if e.Message != "" {
			b.WriteString(": ")
			b.WriteString(e.Message)
		}
		return b.String()
	}
	if e.Message != "" {
		b.WriteString(e.Message)
	} else if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap exposes the cause of a network failure (for context.DeadlineExceeded
// and friends).
func (e *Error) Unwrap() error { return e.Err }

// Is maps the status onto the sentinels so callers never compare numbers.
func (e *Error) Is(target error) bool {
	return target != nil && (e.sentinel() == target || (e.Status == 0 && e.transport() == target))
}

// transport classifies a failure without a response by its cause.
func (e *Error) transport() error {
	var dns *net.DNSError
	var verify *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var record tls.RecordHeaderError
	switch {
	case e.Err == nil:
		return nil
	case errors.Is(e.Err, syscall.ECONNREFUSED):
		return ErrConnectionRefused
	case errors.As(e.Err, &dns) && dns.IsNotFound:
		return ErrHostNotFound
	case errors.Is(e.Err, http.ErrSchemeMismatch), errors.As(e.Err, &record):
		// An answer starting "HTTP/" (Go's scheme mismatch), or any other
		// bytes that are not a TLS record: the server does not speak TLS.
		return ErrNotHTTPS
	case errors.As(e.Err, &verify), errors.As(e.Err, &unknownCA), errors.As(e.Err, &hostname), errors.As(e.Err, &invalid):
		return ErrCertificate
	}
	return nil
}

func (e *Error) sentinel() error {
	switch {
	case e.Status == 0, errors.Is(e.Err, ErrResponseTooLarge):
		return ErrUnavailable
	case e.Status == http.StatusTooManyRequests:
		return ErrRateLimited
	case e.Status >= 500:
		return ErrUnavailable
	case e.Status == http.StatusConflict:
		return ErrConflict
	case e.Status >= 400 && e.Status < 500 && strings.Contains(strings.ToLower(e.Message), "already exists"):
		// The API declares no 409 for POST /secret-groups; a duplicate name
		// may arrive as any 4xx, and only its message tells.
		return ErrConflict
	case e.Status == http.StatusBadRequest:
		return ErrBadRequest
	case e.Status == http.StatusUnauthorized:
		return ErrUnauthorized
	case e.Status == http.StatusForbidden:
		return ErrForbidden
	case e.Status == http.StatusNotFound:
		return ErrNotFound
	case e.Status == http.StatusUnprocessableEntity:
		return ErrUnprocessable
	case e.Status == http.StatusFailedDependency:
		return ErrFailedDependency
	}
	return nil
}
