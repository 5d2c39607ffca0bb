package hosttest

import (
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/tfy-secrets/tfy-secrets/host/iostreams"
)

// Terminal is a real pseudo-terminal for prompt tests: the code under test
// reads and writes TTY, the test plays the person at the master side.
type Terminal struct {
	PTMX, TTY *os.File
	seen      chan string
}

// NewTerminal opens a pseudo-terminal closed at the end of the test.
func NewTerminal(t *testing.T) *Terminal {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("open pty: %v", err)
	}
	term := &Terminal{PTMX: ptmx, TTY: tty, seen: make(chan string, 64)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			if n > 0 {
				term.seen <- string(buf[:n])
			}
			if err != nil {
				close(term.seen)
				return
			}
		}
	}()
	t.Cleanup(func() { _ = tty.Close(); _ = ptmx.Close() })
	return term
}

// Streams returns IOStreams whose stdin and stderr are the terminal and
// whose stdout is a file, like `tfy-secrets ... > out.json` in a terminal.
func (term *Terminal) Streams(t *testing.T) *iostreams.IOStreams {
	t.Helper()
	out, err := os.CreateTemp(t.TempDir(), "stdout")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = out.Close() })
	return iostreams.FromFiles(term.TTY, out, term.TTY, func(string) string { return "" })
}

// WaitFor reads the terminal's output until want has appeared and returns
// everything read. The timeout only turns a hang into a failure.
func (term *Terminal) WaitFor(t *testing.T, want string) string {
	t.Helper()
	var all strings.Builder
	timeout := time.After(10 * time.Second)
	for !strings.Contains(all.String(), want) {
		select {
		case s, ok := <-term.seen:
			if !ok {
				t.Fatalf("terminal closed before %q; saw %q", want, all.String())
			}
			all.WriteString(s)
		case <-timeout:
			t.Fatalf("never saw %q; saw %q", want, all.String())
		}
	}
	return all.String()
}

// Drain returns what the terminal printed so far without blocking.
func (term *Terminal) Drain() string {
	var all strings.Builder
	for {
		select {
		case s, ok := <-term.seen:
			if !ok {
				return all.String()
			}
			all.WriteString(s)
		default:
			return all.String()
		}
	}
}

// Type writes what the person types.
func (term *Terminal) Type(t *testing.T, s string) {
	t.Helper()
	if _, err := term.PTMX.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

// EchoOn reports whether the terminal echoes input right now.
func (term *Terminal) EchoOn(t *testing.T) bool {
	t.Helper()
	tio, err := unix.IoctlGetTermios(int(term.TTY.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	return tio.Lflag&unix.ECHO != 0
}

// WaitEcho waits until the terminal's echo is in the wanted state, e.g.
// back on after a hidden prompt returned.
func (term *Terminal) WaitEcho(t *testing.T, on bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if term.EchoOn(t) == on {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("echo never became %v", on)
		}
		runtime.Gosched()
	}
}
