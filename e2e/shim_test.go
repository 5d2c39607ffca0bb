package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
)

// TestTfyShim runs the host through a symlink named tfy: `tfy secrets ...`
// is ours, anything else goes to the next tfy on PATH, arguments and exit
// code untouched.
func TestTfyShim(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	u.env["E2E_VALUE"] = testkit.Canary("v-")
	u.must("", "group", "create", "shimmed", "--provider", "azure", "--from-env", "API-KEY=E2E_VALUE", "--yes")

	// TrueFoundry's own CLI, as far as this test is concerned.
	next := t.TempDir()
	script := "#!/bin/sh\nprintf 'next-tfy:%s\\n' \"$@\"\nexit 7\n"
	if err := os.WriteFile(filepath.Join(next, "tfy"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	u.env["PATH"] = bin.dir + ":" + next + ":/usr/bin:/bin"

	direct := u.must("", "group", "list", "-o", "json")
	viaShim := u.runBinary(bin.tfy, "", "secrets", "group", "list", "-o", "json")
	if viaShim.code != 0 || viaShim.stdout != direct.stdout {
		t.Fatalf("`tfy secrets group list` differs from `tfy-secrets group list`\n%v\n%v", viaShim, direct)
	}

	passed := u.runBinary(bin.tfy, "", "apply", "-f", "two words.yaml", "--dry-run")
	want := "next-tfy:apply\nnext-tfy:-f\nnext-tfy:two words.yaml\nnext-tfy:--dry-run\n"
	if passed.code != 7 || passed.stdout != want {
		t.Fatalf("pass-through: want exit 7 and stdout %q\n%v", want, passed)
	}
}
