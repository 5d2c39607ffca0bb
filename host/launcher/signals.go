package launcher

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// Interrupted is why a command stopped when the user pressed Ctrl-C
// (SIGINT) or the process got SIGTERM. The host exits with ExitCode, as a
// shell would report a process killed by that signal.
type Interrupted struct {
	Signal syscall.Signal
}

func (e *Interrupted) Error() string {
	if e.Signal == syscall.SIGTERM {
		return "terminated (SIGTERM)"
	}
	return "interrupted (Ctrl-C)"
}

// ExitCode is 128 plus the signal number: 130 for SIGINT, 143 for SIGTERM.
func (e *Interrupted) ExitCode() int { return 128 + int(e.Signal) }

// NotifyContext returns a context that is cancelled with an *Interrupted
// cause on the first SIGINT or SIGTERM. Pass it to Start so the signal kills
// the plugin and every call in flight returns the *Interrupted. After the
// first signal the default handling is restored, so a second Ctrl-C ends
// the host at once. stop releases the signal handler.
func NotifyContext(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			signal.Stop(ch)
			s, _ := sig.(syscall.Signal)
			cancel(&Interrupted{Signal: s})
		case <-done:
		}
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			signal.Stop(ch)
			close(done)
			cancel(context.Canceled)
		})
	}
}
