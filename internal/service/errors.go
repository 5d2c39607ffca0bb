package service

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

// subject says what an API call was about, so that one mapping function can
// word every message ("secret group \"app\" not found").
type subject struct {
	what        string       // e.g. `secret group "app"`
	integration *Integration // known for writes; lets providers explain store failures
	key         string       // the key concerned, when one is
}

func groupSubject(name string) subject { return subject{what: "secret group " + quoteShort(name)} }

const (
	hintLogin     = "log in again with: tfy-secrets auth login (or check TFY_API_KEY, when it is set)"
	hintListFirst = "list groups first: tfy-secrets group list"
	hintRetry     = "retry later; --timeout DURATION gives slow calls longer"
	// hintCheckHost is for failures no retry can fix: the URL itself is
	// wrong, or points at something that is not TrueFoundry.
	hintCheckHost = "check --host or TFY_BASE_URL (tfy-secrets auth status shows the host in use and where it comes from)"
	// hintCreateKey says where TrueFoundry keys are made.
	hintCreateKey = "check that the key belongs to this host; create one in TrueFoundry under Access > Personal Access Tokens (a virtual account token for CI)"
)

// mapError is the one place API errors become failures with the messages of
// the seed's error table. Store-specific conditions (soft-delete, scheduled
// deletion, key-name rules, a failing integration) go to the providers first,
// because only they know the recovery commands.
func (s *Service) mapError(op string, err error, about subject) error {
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*failure.Error](err); ok {
		return err
	}
	if about.integration != nil && s.opts.Providers != nil {
		if explained := s.opts.Providers.Explain(err, *about.integration, about.key); explained != nil {
			return explained
		}
	}
	what := about.what
	if what == "" {
		what = "the requested object"
	}
	msg := serverMessage(err)
	host := hostOf(err)
	switch {
	case errors.Is(err, context.Canceled):
		return failure.Wrap(failure.Unavailable, err, op+": cancelled")
	case errors.Is(err, context.DeadlineExceeded):
		return failure.Wrap(failure.Unavailable, err, op+": timed out waiting for "+host).WithHint(hintRetry)
	case errors.Is(err, ErrUnauthorized):
		return failure.Wrap(failure.Unauthorized, err, host+" rejected the API key (401 Unauthorized)").WithHint(hintLogin)
	case errors.Is(err, ErrForbidden):
		return failure.Wrap(failure.Forbidden, err, "permission denied: check your API key's permissions on "+what)
	case errors.Is(err, ErrNotFound):
		return failure.Wrap(failure.NotFound, err, what+" not found").WithHint(hintListFirst)
	case errors.Is(err, ErrConflict):
		if strings.Contains(strings.ToLower(msg), "already exists") {
			return failure.Wrap(failure.Conflict, err, what+" already exists").WithHint("use a different name")
		}
		return failure.Wrap(failure.Conflict, err, op+": conflict: "+msg)
	case errors.Is(err, ErrBadRequest) && mentionsZeroSecrets(msg):
		return failure.Wrap(failure.Usage, err, "include at least one secret").WithHint("a group needs at least one key; to remove a group use: tfy-secrets group delete")
	case errors.Is(err, ErrUnprocessable):
		if mentionsZeroSecrets(msg) {
			return failure.Wrap(failure.Usage, err, "include at least one secret")
		}
		if strings.Contains(strings.ToLower(msg), "group name") {
			// The seed's 422 hint is about keys and values; a refused
			// name is the server's own message, which says the rule.
			return failure.Wrap(failure.Usage, err, op+": the API refused the group name ("+msg+")").
				WithHint("choose another name")
		}
		return failure.Wrap(failure.Usage, err, op+": every secret needs a key and a value ("+msg+")")
	case errors.Is(err, ErrFailedDependency):
		return failure.Wrap(failure.Unavailable, err, op+": the secret store behind "+what+" failed ("+msg+")").
			WithHint("retry later; if it persists, ask your platform admin to check the secret-store integration")
	case errors.Is(err, ErrRateLimited):
		return failure.Wrap(failure.Unavailable, err, op+": rate limited by "+host).WithHint(hintRetry)
	case errors.Is(err, ErrResponseTooLarge):
		return failure.Wrap(failure.Unavailable, err, op+": "+host+" sent an answer over "+mib(limitOf(err))+", far more than any real one; stopped reading").
			WithHint(hintCheckHost + "; a proxy or another service may be answering")
	case errors.Is(err, ErrCertificate):
		return failure.Wrap(failure.Unavailable, err, op+": the TLS certificate of "+host+" is not trusted ("+detailOf(err)+")").
			WithHint(hintCheckHost + "; behind a proxy that re-signs TLS, add its CA to the system trust store or name it in SSL_CERT_FILE")
	case errors.Is(err, ErrNotHTTPS):
		return failure.Wrap(failure.Unavailable, err, op+": "+host+" did not answer in TLS to an https:// request (it may serve plain HTTP)").
			WithHint(hintCheckHost + "; http:// is accepted only for a loopback host, such as a local emulator")
	case errors.Is(err, ErrHostNotFound):
		return failure.Wrap(failure.Unavailable, err, op+": the host name "+host+" does not resolve").WithHint(hintCheckHost)
	case errors.Is(err, ErrConnectionRefused):
		return failure.Wrap(failure.Unavailable, err, op+": "+host+" refused the connection").
			WithHint(hintCheckHost + "; is the host and port right, and the server running?")
	case errors.Is(err, ErrUnavailable):
		if e, ok := errors.AsType[*APIError](err); ok && e.Status == 0 {
			return failure.Wrap(failure.Unavailable, err, op+": the connection to "+host+" failed ("+detailOf(err)+")").WithHint(hintRetry)
		}
		where := "TrueFoundry"
		if host != where {
			where += " at " + host
		}
		return failure.Wrap(failure.Unavailable, err, op+": "+where+" is unavailable ("+detailOf(err)+")").WithHint(hintRetry)
	case errors.Is(err, ErrBadRequest):
		return failure.Wrap(failure.Unexpected, err, op+": the API rejected the request ("+msg+")")
	}
	if e, ok := errors.AsType[*APIError](err); ok && e.Status >= 300 && e.Status < 400 {
		return failure.Wrap(failure.Unexpected, err, fmt.Sprintf("%s: %s answered %s, a redirect, which the API never sends; it is not followed, so the API key goes nowhere else",
			op, host, e.detail())).WithHint(hintCheckHost + "; a proxy or another service may be answering")
	}
	return failure.Wrap(failure.Unexpected, err, op+": "+err.Error())
}

// hostOf names the control plane an API error came from; "TrueFoundry" when
// the error does not say.
func hostOf(err error) string {
	if e, ok := errors.AsType[*APIError](err); ok && e.Host != "" {
		return e.Host
	}
	return "TrueFoundry"
}

// detailOf is what went wrong, without the operation the message already
// names: the network or TLS cause, or the status and the server's message.
func detailOf(err error) string {
	if e, ok := errors.AsType[*APIError](err); ok {
		return e.detail()
	}
	return err.Error()
}

// limitOf is the bound an ErrResponseTooLarge answer went past.
func limitOf(err error) int64 {
	if e, ok := errors.AsType[*APIError](err); ok {
		return e.Limit
	}
	return 0
}

// mib renders a byte count such as APIError.Limit: "128 MiB".
func mib(n int64) string { return strconv.FormatInt(n>>20, 10) + " MiB" }

// serverMessage is the API's own message when there is one, else the error
// text. Neither quotes a request body, so neither can carry a value.
func serverMessage(err error) string {
	if e, ok := errors.AsType[*APIError](err); ok && e.Message != "" {
		return e.Message
	}
	return err.Error()
}

func mentionsZeroSecrets(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "at least one secret") || strings.Contains(m, "zero secrets")
}

// valueViewDisabled reports whether a value read failed only because the
// control plane does not show values; callers fall back to "(set)".
func valueViewDisabled(err error) bool {
	return errors.Is(err, ErrForbidden) && strings.Contains(strings.ToLower(serverMessage(err)), "viewing is disabled")
}

// ambiguous reports whether a failed write may nevertheless have been
// applied: no answer arrived, or the server failed after receiving it.
func ambiguous(err error) bool {
	return errors.Is(err, ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}
