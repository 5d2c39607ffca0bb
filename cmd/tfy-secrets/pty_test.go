//go:build linux

package main

import (
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// TestCtrlCAtPrompt presses Ctrl-C on a real terminal while the host waits
// for y/N: nothing is written, the plugin is stopped, and the exit code is
// 130 with a one-line explanation.
func TestCtrlCAtPrompt(t *testing.T) {
	t.Parallel()
	env := append(emulator(t),
		"V="+t.Name(),
		"HOME="+t.TempDir(),
		"TFY_SECRETS_PLUGIN="+filepath.Join(filepath.Dir(bin), "tfy-secrets-plugin"),
		"NO_COLOR=1",
	)
	if r := run(t, env, "", bin, "group", "create", "app", "--provider", "gcp", "--from-env", "K=V", "--yes"); r.code != 0 {
		t.Fatalf("create: %d %s", r.code, r.stderr)
	}
	cmd := exec.Command(bin, "group", "update", "app", "--from-env", "NEW=V")
	cmd.Env = env
	ptmx, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ptmx.Close() }()
	seen := make(chan string, 64)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			if n > 0 {
				seen <- string(buf[:n])
			}
			if err != nil {
				close(seen)
				return
			}
		}
	}()
	var out strings.Builder
	timeout := time.After(30 * time.Second)
	for !strings.Contains(out.String(), "Proceed? [y/N] ") {
		select {
		case s, ok := <-seen:
			if !ok {
				t.Fatalf("ended before the prompt: %q", out.String())
			}
			out.WriteString(s)
		case <-timeout:
			t.Fatalf("no prompt: %q", out.String())
		}
	}
	if _, err := io.WriteString(ptmx, "\x03"); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("exit: %v", err)
	}
	for s := range seen {
		out.WriteString(s)
	}
	if !strings.Contains(out.String(), "error: interrupted") {
		t.Fatalf("no explanation: %q", out.String())
	}
	r := run(t, env, "", bin, "group", "get", "app", "-o", "json")
	if r.code != 0 || strings.Contains(r.stdout, `"NEW"`) {
		t.Fatalf("the declined update was written: %s", r.stdout)
	}
}
