// Package failure defines the kinds of failure tfy-secrets reports and the
// exit code of each (design section 5). Lower layers return a *failure.Error
// (or wrap one); the host turns it into the one-line "error:" and "hint:"
// output and the exit code in exactly one place. The plugin boundary carries
// Kind, Message and Hint across the wire, so they survive the RPC.
//
// A failure's Message and Hint are shown to people: they must never contain a
// secret value.
package failure

import (
	"errors"
	"fmt"
)

// Kind classifies a failure. Its string form is the stable machine code used
// in JSON errors ({"error":{"code":"not_found",...}}) and on the wire.
type Kind string

// The kinds, with their exit codes in ExitCode.
const (
	Unexpected   Kind = "unexpected"    // 1
	Config       Kind = "config"        // 1: a broken policy bundle, unreadable config file
	Usage        Kind = "usage"         // 2
	Unauthorized Kind = "unauthorized"  // 3
	Forbidden    Kind = "forbidden"     // 4
	NotFound     Kind = "not_found"     // 5
	Conflict     Kind = "conflict"      // 6
	Denied       Kind = "policy_denied" // 7
	NotConfirmed Kind = "not_confirmed" // 8
	Unavailable  Kind = "unavailable"   // 9
	CheckFailed  Kind = "check_failed"  // 10
)

// ExitCode is the process exit code for the kind.
func (k Kind) ExitCode() int {
	switch k {
	case Usage:
		return 2
	case Unauthorized:
		return 3
	case Forbidden:
		return 4
	case NotFound:
		return 5
	case Conflict:
		return 6
	case Denied:
		return 7
	case NotConfirmed:
		return 8
	case Unavailable:
		return 9
	case CheckFailed:
		return 10
	default:
		return 1
	}
}

// Kinds lists every kind, for tests and documentation.
func Kinds() []Kind {
	return []Kind{Unexpected, Config, Usage, Unauthorized, Forbidden, NotFound, Conflict, Denied, NotConfirmed, Unavailable, CheckFailed}
}

// Error is a failure with a user-facing message and an optional hint.
type Error struct {
	Kind    Kind
	Message string
	Hint    string
	Err     error // the cause, for errors.Is/As; not shown to users
}

func (e *Error) Error() string {
	if e.Message == "" && e.Err != nil {
		return e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// New returns a failure of kind k with a formatted message.
func New(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// WithHint returns e with its hint set, for chaining at construction.
func (e *Error) WithHint(format string, args ...any) *Error {
	e.Hint = fmt.Sprintf(format, args...)
	return e
}

// Wrap returns a failure of kind k that keeps err as its cause.
func Wrap(k Kind, err error, message string) *Error {
	return &Error{Kind: k, Message: message, Err: err}
}

// KindOf returns the kind of the first *Error in err's chain, or Unexpected.
func KindOf(err error) Kind {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Kind
	}
	return Unexpected
}

// As returns the first *Error in err's chain. An error that is not a failure
// becomes an Unexpected one carrying err's text.
func As(err error) *Error {
	if e, ok := errors.AsType[*Error](err); ok {
		return e
	}
	return &Error{Kind: Unexpected, Message: err.Error(), Err: err}
}
