// Package iostreams owns the host's terminal: the three standard streams,
// whether each is a TTY, whether the user can be prompted, whether colour and
// progress may be shown, and the hidden and visible prompts.
//
// It must not decide what to print: commands and renderers do. A hidden
// prompt returns a secret.Value and never echoes what was typed.
package iostreams

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/tfy-secrets/tfy-secrets/internal/secret"
)

// ErrInterrupted is returned by a prompt cancelled by its context (Ctrl-C).
var ErrInterrupted = errors.New("prompt interrupted")

// IOStreams is the host's view of its terminal.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY, stdoutTTY, stderrTTY bool
	noColor                        bool
	// inFd is stdin's descriptor when stdin is a terminal, for hidden input.
	inFd int

	progressMu    sync.Mutex
	progressShown bool
	progressAt    time.Time
	// now is the clock for progress redraws; tests replace it.
	now func() time.Time

	// lines buffers stdin for visible prompts so that two prompts in a row
	// do not lose input read ahead by the first.
	lines *bufio.Reader
}

// FromFiles builds streams over real files, detecting terminals. getenv is
// consulted for NO_COLOR and TERM, so tests need not touch the process
// environment.
func FromFiles(in, out, errOut *os.File, getenv func(string) string) *IOStreams {
	s := &IOStreams{In: in, Out: out, ErrOut: errOut, inFd: -1}
	if term.IsTerminal(int(in.Fd())) {
		s.stdinTTY = true
		s.inFd = int(in.Fd())
	}
	s.stdoutTTY = term.IsTerminal(int(out.Fd()))
	s.stderrTTY = term.IsTerminal(int(errOut.Fd()))
	// no-color.org: any non-empty NO_COLOR turns colour off.
	s.noColor = getenv("NO_COLOR") != "" || getenv("TERM") == "dumb"
	return s
}

// System is the process's own standard streams.
func System() *IOStreams { return FromFiles(os.Stdin, os.Stdout, os.Stderr, os.Getenv) }

// Test returns streams over buffers, none of them a terminal.
func Test(in string) (*IOStreams, *strings.Builder, *strings.Builder) {
	out, errOut := &strings.Builder{}, &strings.Builder{}
	return &IOStreams{In: strings.NewReader(in), Out: out, ErrOut: errOut, inFd: -1, noColor: true}, out, errOut
}

// IsStdinTTY reports whether stdin is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// IsStdoutTTY reports whether stdout is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether stderr is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// SetTTY overrides terminal detection, for tests of TTY-only behaviour that
// need no real terminal (colour, progress).
func (s *IOStreams) SetTTY(stdin, stdout, stderr bool) {
	s.stdinTTY, s.stdoutTTY, s.stderrTTY = stdin, stdout, stderr
}

// SetNoColor forces colour off (true) or lets the TTY decide (false).
func (s *IOStreams) SetNoColor(v bool) { s.noColor = v }

// CanPrompt reports whether a person can answer a prompt: stdin is where
// the answer comes from and stderr is where the question goes.
func (s *IOStreams) CanPrompt() bool { return s.stdinTTY && s.stderrTTY }

// ColorEnabled reports whether stdout may carry colour.
func (s *IOStreams) ColorEnabled() bool { return s.stdoutTTY && !s.noColor }

// ErrColorEnabled reports whether stderr may carry colour.
func (s *IOStreams) ErrColorEnabled() bool { return s.stderrTTY && !s.noColor }

// progressEvery limits redraws: a terminal drawing ten thousand updates
// would slow the listing it reports on.
const progressEvery = 100 * time.Millisecond

// Progress shows a one-line counter on stderr when stderr is a terminal and
// does nothing otherwise, so piped or captured output stays clean.
func (s *IOStreams) Progress(label string, n int) {
	if !s.stderrTTY {
		return
	}
	s.progressMu.Lock()
	defer s.progressMu.Unlock()
	clock := s.now
	if clock == nil {
		clock = time.Now
	}
	now := clock()
	if s.progressShown && now.Sub(s.progressAt) < progressEvery {
		return
	}
	s.progressShown, s.progressAt = true, now
	_, _ = fmt.Fprintf(s.ErrOut, "\r\x1b[K%s %d", label, n)
}

// StopProgress erases the progress line, if one was shown.
func (s *IOStreams) StopProgress() {
	s.progressMu.Lock()
	defer s.progressMu.Unlock()
	if s.progressShown {
		_, _ = fmt.Fprint(s.ErrOut, "\r\x1b[K")
		s.progressShown = false
	}
}

// ReadSecret asks for a value on the terminal with echo turned off. The
// terminal state is restored even when ctx is cancelled mid-prompt.
func (s *IOStreams) ReadSecret(ctx context.Context, prompt string) (secret.Value, error) {
	if !s.CanPrompt() || s.inFd < 0 {
		return secret.Value{}, errors.New("no terminal to prompt on")
	}
	state, err := term.GetState(s.inFd)
	if err != nil {
		return secret.Value{}, fmt.Errorf("read terminal state: %w", err)
	}
	// Echo goes off before the question appears, so nothing typed ahead is
	// shown, and the original settings are put back here, whether the
	// answer came or the prompt was interrupted.
	if err := echoOff(s.inFd); err != nil {
		return secret.Value{}, err
	}
	defer func() { _ = term.Restore(s.inFd, state) }()
	_, _ = fmt.Fprint(s.ErrOut, prompt)
	type answer struct {
		b   []byte
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		b, err := readHidden(s.inFd)
		ch <- answer{b, err}
	}()
	select {
	case a := <-ch:
		_, _ = fmt.Fprintln(s.ErrOut)
		if a.err != nil {
			return secret.Value{}, fmt.Errorf("read hidden input: %w", a.err)
		}
		v := secret.New(a.b)
		clear(a.b)
		return v, nil
	case <-ctx.Done():
		_, _ = fmt.Fprintln(s.ErrOut)
		return secret.Value{}, ErrInterrupted
	}
}

// ReadLine asks a visible question on stderr and returns the answer line
// without its line ending.
func (s *IOStreams) ReadLine(ctx context.Context, prompt string) (string, error) {
	if !s.CanPrompt() {
		return "", errors.New("no terminal to prompt on")
	}
	if s.lines == nil {
		s.lines = bufio.NewReader(s.In)
	}
	_, _ = fmt.Fprint(s.ErrOut, prompt)
	type answer struct {
		line string
		err  error
	}
	ch := make(chan answer, 1)
	go func() {
		line, err := s.lines.ReadString('\n')
		ch <- answer{line, err}
	}()
	select {
	case a := <-ch:
		if a.err != nil && !(errors.Is(a.err, io.EOF) && a.line != "") {
			if errors.Is(a.err, io.EOF) {
				return "", ErrInterrupted
			}
			return "", fmt.Errorf("read answer: %w", a.err)
		}
		return strings.TrimRight(a.line, "\r\n"), nil
	case <-ctx.Done():
		_, _ = fmt.Fprintln(s.ErrOut)
		return "", ErrInterrupted
	}
}
