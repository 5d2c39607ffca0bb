package wiring

import (
	"errors"

	"github.com/tfy-secrets/tfy-secrets/internal/service"
	"github.com/tfy-secrets/tfy-secrets/internal/tfyapi"
)

// kinds and causes pair the client's sentinels with the service's, in the
// order they are tried: the first kind and the first cause an error matches
// are the ones it gets.
var (
	kinds = [...]struct{ client, service error }{
		{tfyapi.ErrUnauthorized, service.ErrUnauthorized},
		{tfyapi.ErrForbidden, service.ErrForbidden},
		{tfyapi.ErrNotFound, service.ErrNotFound},
		{tfyapi.ErrConflict, service.ErrConflict},
		{tfyapi.ErrUnprocessable, service.ErrUnprocessable},
		{tfyapi.ErrFailedDependency, service.ErrFailedDependency},
		{tfyapi.ErrRateLimited, service.ErrRateLimited},
		{tfyapi.ErrUnavailable, service.ErrUnavailable},
		{tfyapi.ErrBadRequest, service.ErrBadRequest},
	}
	causes = [...]struct{ client, service error }{
		{tfyapi.ErrResponseTooLarge, service.ErrResponseTooLarge},
		{tfyapi.ErrConnectionRefused, service.ErrConnectionRefused},
		{tfyapi.ErrHostNotFound, service.ErrHostNotFound},
		{tfyapi.ErrNotHTTPS, service.ErrNotHTTPS},
		{tfyapi.ErrCertificate, service.ErrCertificate},
	}
)

// apiError is the one place the client's errors become the service's: an
// *tfyapi.Error becomes a *service.APIError with the same meaning, an id the
// client refused becomes service.ErrNotAnID, and anything else (a context
// error, say) passes as it is.
func apiError(err error) error {
	if err == nil {
		return nil
	}
	e, ok := errors.AsType[*tfyapi.Error](err)
	if !ok {
		if errors.Is(err, tfyapi.ErrNotAnID) {
			return &service.APIError{Detail: err.Error(), Kind: service.ErrNotAnID, Err: err}
		}
		return err
	}
	out := &service.APIError{Op: e.Op, Host: e.Host, Status: e.Status, Message: e.Message, Detail: e.Detail(), Err: err}
	for _, k := range kinds {
		if errors.Is(err, k.client) {
			out.Kind = k.service
			break
		}
	}
	for _, c := range causes {
		if errors.Is(err, c.client) {
			out.Cause = c.service
			break
		}
	}
	if out.Cause == service.ErrResponseTooLarge {
		out.Limit = tfyapi.MaxResponseBytes
	}
	return out
}
