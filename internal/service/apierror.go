package service

import "errors"

// The failures of an API call, as the API port reports them: an *APIError
// matches one of the first group (what the answer, or its absence, means)
// and at most one of the second (why there was no usable answer). The
// adapter maps the client's errors onto these in one place; compare with
// errors.Is.
var (
	ErrBadRequest       = errors.New("bad request")          // 400
	ErrUnauthorized     = errors.New("unauthorized")         // 401
	ErrForbidden        = errors.New("forbidden")            // 403
	ErrNotFound         = errors.New("not found")            // 404
	ErrConflict         = errors.New("conflict")             // 409, or a 4xx saying "already exists"
	ErrUnprocessable    = errors.New("unprocessable entity") // 422
	ErrFailedDependency = errors.New("failed dependency")    // 424: the backing store failed
	ErrRateLimited      = errors.New("rate limited")         // 429, after retries
	ErrUnavailable      = errors.New("unavailable")          // 5xx, network, timeout: a write may have been applied
)

// Why no usable answer arrived, when it is something the user must fix
// rather than wait out. Each comes with ErrUnavailable.
var (
	ErrConnectionRefused = errors.New("connection refused")
	ErrHostNotFound      = errors.New("host not found")
	ErrNotHTTPS          = errors.New("no TLS answer to an HTTPS request")
	ErrCertificate       = errors.New("the server's TLS certificate is not trusted")
	ErrResponseTooLarge  = errors.New("response too large") // the answer went past the client's bound (APIError.Limit)
)

// ErrNotAnID is the error of a call given an id no resource can have: the
// call was refused before any request, so the object is simply not there.
var ErrNotAnID = errors.New("not an id")

// APIError is a failed API call as the API port reports it. Nothing in it
// quotes a request body, so no field can carry a secret value.
type APIError struct {
	Op      string // short operation name, e.g. "create secret group"
	Host    string // the control plane's host[:port]
	Status  int    // HTTP status; 0 when no response arrived
	Message string // the server's own message, "" when it sent none
	Detail  string // the failure without its operation: "503 Service Unavailable: down", or the network cause
	Kind    error  // one of ErrBadRequest ... ErrUnavailable; nil for a status none of them covers (a redirect)
	Cause   error  // one of ErrConnectionRefused ... ErrResponseTooLarge, or nil
	Limit   int64  // with ErrResponseTooLarge: the bound in bytes
	Err     error  // the client's own error, through which context errors are reached
}

func (e *APIError) Error() string { return e.Op + ": " + e.detail() }

// Is matches the error's kind and cause.
func (e *APIError) Is(target error) bool {
	return target != nil && (target == e.Kind || target == e.Cause)
}

func (e *APIError) Unwrap() error { return e.Err }

// detail is Detail, or what else the error says when the adapter left it
// empty.
func (e *APIError) detail() string {
	switch {
	case e.Detail != "":
		return e.Detail
	case e.Message != "":
		return e.Message
	case e.Err != nil:
		return e.Err.Error()
	case e.Kind != nil:
		return e.Kind.Error()
	}
	return "failed"
}
