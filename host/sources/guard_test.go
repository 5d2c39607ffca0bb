package sources

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// readBoundedInTime runs Read and fails the test, instead of hanging it, when
// Read does not return within a generous bound.
func readBoundedInTime(t *testing.T, ctx context.Context, r Reader, specs []Spec) ([]plugin.Change, error) {
	t.Helper()
	type result struct {
		c   []plugin.Change
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := r.Read(ctx, specs)
		done <- result{c, err}
	}()
	select {
	case res := <-done:
		return res.c, res.err
	case <-time.After(20 * time.Second):
		t.Fatalf("Read(%+v) still waits", specs)
		return nil, nil
	}
}

func fifo(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), canary)
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A FIFO nobody writes, a device, a directory or /proc/self/fd/N of a
// pipe would wait for ever, or read something that is no file: every one
// is refused at once, without repeating the path, with the hint to give it
// on standard input.
func TestPathsThatAreNotRegularFilesAreRefused(t *testing.T) {
	t.Parallel()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	pipe := fmt.Sprintf("/proc/self/fd/%d", pr.Fd())
	r := Reader{LookupEnv: func(string) (string, bool) { return "", false }, Stdin: strings.NewReader("")}
	for _, tc := range []struct {
		name string
		spec Spec
		hint string
	}{
		{"fifo", Spec{Key: "K", Source: plugin.SourceFile, Name: fifo(t)}, "--from-file K=- < <(command)"},
		{"pipe by fd", Spec{Key: "K", Source: plugin.SourceFile, Name: pipe}, "--from-file K=- < PATH"},
		{"device", Spec{Key: "K", Source: plugin.SourceFile, Name: "/dev/null"}, "--from-file K=-"},
		{"directory", Spec{Key: "K", Source: plugin.SourceFile, Name: t.TempDir()}, "--from-file K=-"},
		{"dotenv fifo", Spec{Source: plugin.SourceDotenv, Name: fifo(t)}, "--from-dotenv - < <(command)"},
		{"dotenv pipe by fd", Spec{Source: plugin.SourceDotenv, Name: pipe}, "--from-dotenv - < PATH"},
	} {
		_, err := readBoundedInTime(t, t.Context(), r, []Spec{tc.spec})
		f := failure.As(err)
		if err == nil || f.Kind != failure.Usage || !strings.Contains(f.Message, "not a regular file") || !strings.Contains(f.Hint, tc.hint) {
			t.Errorf("%s: %v (kind %s, hint %q)", tc.name, err, f.Kind, f.Hint)
			continue
		}
		if strings.Contains(f.Message+f.Hint, canary) || strings.Contains(f.Message+f.Hint, pipe) {
			t.Errorf("%s: the error repeats the path: %v", tc.name, err)
		}
	}
}

// What is a regular file in the end is read, however it is named: a
// symlink, or /proc/self/fd/N (as /dev/stdin is) of an open file.
func TestRegularFilesByAnyNameAreRead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "value")
	if err := os.WriteFile(file, []byte("exact\x00bytes"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	open, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	for _, name := range []string{file, link, fmt.Sprintf("/proc/self/fd/%d", open.Fd())} {
		c, err := readBoundedInTime(t, t.Context(), Reader{}, []Spec{{Key: "K", Source: plugin.SourceFile, Name: name}})
		if err != nil || c[0].Value.Reveal() != "exact\x00bytes" {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Standard input that never ends stops waiting at Ctrl-C or SIGTERM (the
// context's cause comes back, so the host exits 130 or 143) and at
// --timeout (exit 9), for --from-file KEY=- and --from-dotenv - alike.
func TestStandardInputHonoursSignalsAndTheTimeout(t *testing.T) {
	t.Parallel()
	for _, spec := range []Spec{{Key: "K", Source: plugin.SourceStdin, Name: "-"}, {Source: plugin.SourceDotenv, Name: "-"}} {
		stdin, held := io.Pipe()
		defer held.Close()
		ctx, cancel := context.WithCancelCause(t.Context())
		stop := errors.New("terminated (SIGTERM)")
		go func() {
			// Let the read begin: it has when a write would be taken.
			_, _ = held.Write([]byte("A"))
			cancel(stop)
		}()
		_, err := readBoundedInTime(t, ctx, Reader{Stdin: stdin}, []Spec{spec})
		if !errors.Is(err, stop) {
			t.Errorf("%+v cancelled: %v, want the context's cause", spec, err)
		}

		stdin, held = io.Pipe()
		defer held.Close()
		_, err = readBoundedInTime(t, t.Context(), Reader{Stdin: stdin, Timeout: 50 * time.Millisecond}, []Spec{spec})
		if f := failure.As(err); f.Kind != failure.Unavailable || !strings.Contains(f.Message, "within --timeout 50ms") || !strings.Contains(f.Hint, "Ctrl-D") {
			t.Errorf("%+v past the timeout: %v (kind %s, hint %q)", spec, err, f.Kind, f.Hint)
		}
	}
}
