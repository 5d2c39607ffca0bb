package iostreams

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

func TestTestStreamsAreNotTerminals(t *testing.T) {
	t.Parallel()
	ios, _, errOut := Test("")
	if ios.CanPrompt() || ios.ColorEnabled() || ios.ErrColorEnabled() {
		t.Fatal("buffers are not terminals")
	}
	ios.Progress("Fetching", 3)
	ios.StopProgress()
	if errOut.Len() != 0 {
		t.Fatalf("progress written without a terminal: %q", errOut.String())
	}
	if _, err := ios.ReadSecret(context.Background(), "key: "); err == nil {
		t.Fatal("hidden prompt without a terminal")
	}
	if _, err := ios.ReadLine(context.Background(), "ok? "); err == nil {
		t.Fatal("prompt without a terminal")
	}
}

func TestColorAndProgressFollowTheTerminal(t *testing.T) {
	t.Parallel()
	ios, _, errOut := Test("")
	ios.SetTTY(true, true, true)
	ios.SetNoColor(false)
	if !ios.ColorEnabled() || !ios.ErrColorEnabled() || !ios.CanPrompt() {
		t.Fatal("terminals allow colour and prompts")
	}
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ios.now = func() time.Time { return clock }
	ios.Progress("Fetching", 7)
	ios.Progress("Fetching", 8) // within the redraw interval: skipped
	clock = clock.Add(progressEvery)
	ios.Progress("Fetching", 9)
	ios.StopProgress()
	got := errOut.String()
	if !strings.Contains(got, "Fetching 7") || strings.Contains(got, "Fetching 8") || !strings.Contains(got, "Fetching 9") || !strings.HasSuffix(got, "\r\x1b[K") {
		t.Fatalf("progress %q", errOut.String())
	}
	ios.SetNoColor(true)
	if ios.ColorEnabled() {
		t.Fatal("NO_COLOR must win")
	}
}

func TestNoColorEnvironment(t *testing.T) {
	t.Parallel()
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = devnull.Close() }()
	for _, env := range []map[string]string{{"NO_COLOR": "1"}, {"TERM": "dumb"}} {
		ios := FromFiles(devnull, devnull, devnull, func(k string) string { return env[k] })
		ios.SetTTY(true, true, true)
		if ios.ColorEnabled() {
			t.Errorf("%v: colour on", env)
		}
	}
	ios := FromFiles(devnull, devnull, devnull, func(string) string { return "" })
	if ios.IsStdinTTY() || ios.IsStdoutTTY() || ios.IsStderrTTY() {
		t.Fatal("/dev/null is not a terminal")
	}
}
