package cmdutil

import (
	"errors"
	"fmt"

	"github.com/tfy-secrets/tfy-secrets/host/render"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

// UsageError is a bad flag or argument (exit 2).
func UsageError(format string, args ...any) *failure.Error {
	return failure.New(failure.Usage, format, args...)
}

// ExitStatus ends the command with a given exit code and prints nothing:
// the process it reports on (a helper program, the next `tfy`) has already
// spoken on the shared stderr.
type ExitStatus struct{ Code int }

func (e *ExitStatus) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// InFormat has err reported in format: for a command whose own flag chose
// the output format (policy build's -o), so that its errors come in the
// format asked for, as they do after a global -o.
func InFormat(format render.Format, err error) error {
	if err == nil {
		return nil
	}
	return &formatted{format: format, err: err}
}

type formatted struct {
	format render.Format
	err    error
}

func (e *formatted) Error() string { return e.err.Error() }
func (e *formatted) Unwrap() error { return e.err }

// ErrorFormat returns the format InFormat gave err, if it did.
func ErrorFormat(err error) (render.Format, bool) {
	if e, ok := errors.AsType[*formatted](err); ok {
		return e.format, true
	}
	return "", false
}
