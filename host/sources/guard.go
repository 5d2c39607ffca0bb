package sources

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

// A PATH source must be a regular file. Opening a FIFO waits for a writer,
// and reading a pipe, a terminal or a device waits for its end: either can
// hold the command for ever, past --timeout and Ctrl-C. Standard input is
// the one stream a source may read (PATH "-"), and that read honours both.
// /dev/stdin, /proc/self/fd/N and a process substitution <(cmd) name the
// same kinds of stream, so they are refused with a hint to redirect them
// onto "-", which a shell can always do: --from-file KEY=- < <(cmd).

// openRegular opens path for reading if it is a regular file. The open
// does not wait (O_NONBLOCK: a FIFO opens at once, writer or not), and the
// check is made on the opened descriptor, so a path swapped for a FIFO
// between a check and the open cannot slip through.
func openRegular(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	if !info.Mode().IsRegular() {
		_ = f.Close()
		return nil, errNotRegular
	}
	return f, nil
}

// errNotRegular is why a PATH that names a pipe, FIFO, device or directory
// is refused.
var errNotRegular = errors.New("not a regular file")

// notRegular explains a refused PATH without repeating it: the text after
// '=' may be a value typed where a path belongs.
func notRegular(flag, key string) error {
	if key != "" {
		return cmdutil.UsageError("--%s %s=...: the named path is not a regular file (a pipe, FIFO, device or directory), which could wait for ever", flag, key).
			WithHint("give it on standard input instead: --%s %s=- < PATH, or for a command's output --%s %s=- < <(command)", flag, key, flag, key)
	}
	return cmdutil.UsageError("--%s: the named path is not a regular file (a pipe, FIFO, device or directory), which could wait for ever", flag).
		WithHint("give it on standard input instead: --%s - < PATH, or for a command's output --%s - < <(command)", flag, flag)
}

// within runs read, which may block on standard input, until it returns,
// ctx ends (Ctrl-C, SIGTERM: its cause is returned) or timeout passes (a
// timeout of zero: no limit). what names the source for the message. A
// read that is abandoned goes on in the background; whatever it returns
// then is cleared by clean.
func within[T any](ctx context.Context, timeout time.Duration, what string, read func() (T, error), clean func(T)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := read()
		done <- result{v, err}
	}()
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	var zero T
	abandon := func() {
		go func() { clean((<-done).v) }()
	}
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		abandon()
		return zero, context.Cause(ctx)
	case <-expired:
		abandon()
		return zero, failure.New(failure.Unavailable, "%s did not reach its end within --timeout %s", what, timeout).
			WithHint("close the input (Ctrl-D on a terminal), or raise --timeout")
	}
}

// readValue reads one value of at most MaxValueBytes from r within ctx and
// timeout (see within).
func readValue(ctx context.Context, timeout time.Duration, r io.Reader, key, what string) ([]byte, error) {
	return within(ctx, timeout, what, func() ([]byte, error) { return readBounded(r, key) }, func(b []byte) { clear(b) })
}

// fromFileWhat and friends name a source in a timeout message.
func fromFileWhat(key string) string { return fmt.Sprintf("--from-file %s=-: standard input", key) }
