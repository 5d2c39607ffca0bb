//go:build linux

package iostreams_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
	"github.com/tfy-secrets/tfy-secrets/host/iostreams"
)

const canary = "canary-0d4c2e-hidden-input"

func TestHiddenPromptOnARealTerminal(t *testing.T) {
	term := hosttest.NewTerminal(t)
	ios := term.Streams(t)
	if !ios.CanPrompt() || !ios.ErrColorEnabled() || ios.IsStdoutTTY() {
		t.Fatal("stdin and stderr are a terminal, stdout a file")
	}
	type answer struct {
		v   string
		err error
	}
	done := make(chan answer, 1)
	go func() {
		v, err := ios.ReadSecret(context.Background(), "API key (input hidden): ")
		done <- answer{v.Reveal(), err}
	}()
	term.WaitFor(t, "API key (input hidden): ")
	term.WaitEcho(t, false)
	term.Type(t, canary+"\n")
	a := <-done
	if a.err != nil || a.v != canary {
		t.Fatalf("read %q, %v", a.v, a.err)
	}
	if strings.Contains(term.Drain(), canary) {
		t.Fatal("the hidden input was echoed")
	}
	term.WaitEcho(t, true)
}

func TestHiddenPromptInterruptedRestoresEcho(t *testing.T) {
	term := hosttest.NewTerminal(t)
	ios := term.Streams(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := ios.ReadSecret(ctx, "key: ")
		done <- err
	}()
	term.WaitFor(t, "key: ")
	term.WaitEcho(t, false)
	cancel()
	if err := <-done; !errors.Is(err, iostreams.ErrInterrupted) {
		t.Fatalf("err %v", err)
	}
	term.WaitEcho(t, true)
}

func TestVisiblePrompt(t *testing.T) {
	term := hosttest.NewTerminal(t)
	ios := term.Streams(t)
	done := make(chan string, 2)
	go func() {
		for range 2 {
			line, err := ios.ReadLine(context.Background(), "Proceed? [y/N] ")
			if err != nil {
				done <- "error: " + err.Error()
				return
			}
			done <- line
		}
	}()
	term.WaitFor(t, "Proceed? [y/N] ")
	term.Type(t, "yes\n")
	if got := <-done; got != "yes" {
		t.Fatalf("first answer %q", got)
	}
	term.WaitFor(t, "Proceed? [y/N] ")
	term.Type(t, "n\n")
	if got := <-done; got != "n" {
		t.Fatalf("second answer %q", got)
	}
}

// Echo must already be off when the question is written: a user (or a
// paste) answering at once would otherwise see the value echoed. The probe
// reads the terminal's settings at the moment of the write, so the test does
// not depend on how fast anyone types.
func TestHiddenPromptEchoOffBeforeQuestion(t *testing.T) {
	term := hosttest.NewTerminal(t)
	ios := term.Streams(t)
	probe := &echoProbe{w: ios.ErrOut, echoOn: func() bool { return term.EchoOn(t) }}
	ios.ErrOut = probe
	done := make(chan error, 1)
	go func() {
		_, err := ios.ReadSecret(context.Background(), "token: ")
		done <- err
	}()
	term.WaitFor(t, "token: ")
	term.WaitEcho(t, false)
	term.Type(t, canary+"\n")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if probe.echoAtFirstWrite {
		t.Fatal("the question was written while the terminal still echoed input")
	}
	term.WaitEcho(t, true)
}

type echoProbe struct {
	w                io.Writer
	echoOn           func() bool
	wrote            bool
	echoAtFirstWrite bool
}

func (p *echoProbe) Write(b []byte) (int, error) {
	if !p.wrote {
		p.wrote, p.echoAtFirstWrite = true, p.echoOn()
	}
	return p.w.Write(b)
}
