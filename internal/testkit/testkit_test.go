package testkit

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCanary(t *testing.T) {
	t.Parallel()
	a, b := Canary("canary-x-"), Canary("canary-x-")
	if a == b || !strings.HasPrefix(a, "canary-x-") || len(a) != len("canary-x-")+24 {
		t.Fatalf("Canary: %q, %q", a, b)
	}
}

func TestLockedBuffer(t *testing.T) {
	t.Parallel()
	var b LockedBuffer
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				_, _ = b.Write([]byte("x"))
				_ = b.String()
			}
		})
	}
	wg.Wait()
	if got := len(b.String()); got != 800 {
		t.Fatalf("%d bytes written, want 800", got)
	}
}

// WaitGone returns once the process has exited, reaped or not.
func TestWaitGone(t *testing.T) {
	t.Parallel()
	cmd := exec.Command("sleep", "0.2")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	WaitGone(t, cmd.Process.Pid) // a zombie until Wait below
	if time.Since(start) < 150*time.Millisecond {
		t.Fatal("WaitGone returned while the process ran")
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	WaitGone(t, cmd.Process.Pid)
}

// Commands copies prebuilt binaries into the installed layout, once.
func TestCommandsPrebuilt(t *testing.T) {
	pre := t.TempDir()
	for _, name := range []string{"tfy-secrets", "tfy-secrets-plugin"} {
		if err := os.WriteFile(filepath.Join(pre, name), []byte("#!/bin/sh\n# "+name+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(EnvPrebuilt, pre)
	dir, err := Commands("tfy-secrets", "tfy-secrets-plugin")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		commands.mu.Lock()
		defer commands.mu.Unlock()
		_ = os.RemoveAll(commands.dir)
		commands.dir, commands.built = "", nil
	})
	sum, err := os.ReadFile(filepath.Join(dir, "tfy-secrets-plugin.sha256"))
	if err != nil || !strings.HasSuffix(string(sum), "  tfy-secrets-plugin\n") || len(sum) != 64+len("  tfy-secrets-plugin\n") {
		t.Fatalf("sum file %q, %v", sum, err)
	}
	if target, err := os.Readlink(filepath.Join(dir, "tfy")); err != nil || target != filepath.Join(dir, "tfy-secrets") {
		t.Fatalf("tfy links to %q, %v", target, err)
	}
	// A second call copies nothing again: the prebuilt files may go.
	if err := os.RemoveAll(pre); err != nil {
		t.Fatal(err)
	}
	if again, err := Commands("tfy-secrets-plugin"); err != nil || again != dir {
		t.Fatalf("second call: %q, %v", again, err)
	}
	if _, err := Commands("tfy-emulator"); err == nil {
		t.Fatal("a command missing from the prebuilt directory was not an error")
	}
}
