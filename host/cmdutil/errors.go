package cmdutil

import (
	"fmt"

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
