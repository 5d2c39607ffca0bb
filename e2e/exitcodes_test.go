package e2e

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
)

// TestExitCodes provokes every exit code of design section 5 through the
// real binaries and checks the one-line error (and hint) contract.
func TestExitCodes(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	u.env["E2E_VALUE"] = testkit.Canary("v-")
	u.must("", "group", "create", "exists", "--provider", "azure", "--from-env", "API-KEY=E2E_VALUE", "--yes")

	viewer := newUser(t, e)
	viewer.env["TFY_API_KEY"] = e.viewer
	viewer.env["E2E_VALUE"] = "x"

	stranger := newUser(t, e)
	stranger.env["TFY_API_KEY"] = testkit.Canary("unknown-key-")

	down := newUser(t, e)
	down.env["TFY_BASE_URL"] = "http://127.0.0.1:1"

	cases := []struct {
		name string
		u    *user
		args []string
		code int
		msg  string // part of the "error:" line
	}{
		{"success", u, []string{"group", "list"}, 0, ""},
		{"dry run", u, []string{"group", "create", "dry", "--provider", "azure", "--from-env", "API-KEY=E2E_VALUE", "--dry-run"}, 0, ""},
		{"usage", u, []string{"group", "list", "--no-such-flag"}, 2, ""},
		{"unauthenticated", stranger, []string{"group", "list"}, 3, ""},
		{"forbidden", viewer, []string{"group", "create", "viewer-made", "--provider", "azure", "--from-env", "API-KEY=E2E_VALUE", "--yes"}, 4, ""},
		{"not found", u, []string{"group", "get", "no-such-group"}, 5, "not found"},
		{"conflict", u, []string{"group", "create", "exists", "--provider", "azure", "--from-env", "API-KEY=E2E_VALUE", "--yes"}, 6, "exists"},
		{"policy denied", u, []string{"group", "create", "literal", "--provider", "azure", "API-KEY=typed-inline", "--yes"}, 7, "API-KEY"},
		{"not confirmed", u, []string{"group", "create", "unconfirmed", "--provider", "azure", "--from-env", "API-KEY=E2E_VALUE"}, 8, ""},
		{"unavailable", down, []string{"group", "list", "--timeout", "30s"}, 9, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.u.run("", tc.args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\n%v", r.code, tc.code, r)
			}
			if tc.code == 0 {
				return
			}
			// The plan of a mutation may come first on stderr; the error is
			// one "error:" line.
			var errLines []string
			for line := range strings.SplitSeq(r.stderr, "\n") {
				if strings.HasPrefix(line, "error: ") {
					errLines = append(errLines, line)
				}
			}
			if len(errLines) != 1 || !strings.Contains(errLines[0], tc.msg) {
				t.Fatalf("want one error line mentioning %q\n%v", tc.msg, r)
			}
			if strings.Contains(r.stderr, "typed-inline") {
				t.Fatalf("the refused inline value was repeated\n%v", r)
			}
		})
	}
	for _, g := range []string{"dry", "viewer-made", "literal", "unconfirmed"} {
		if e.groupExists(t, g) {
			t.Errorf("a failed or dry-run command created group %q", g)
		}
	}
}

// TestPluginChecksumMismatch: a plugin that is not the one the sum file
// describes is never run, and the user learns why (exit 1, config).
func TestPluginChecksumMismatch(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"tfy-secrets", "tfy-secrets-plugin"} {
		data, err := os.ReadFile(filepath.Join(bin.dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "tfy-secrets-plugin" {
			data = append(data, 0) // still runs, but is not the binary we vouched for
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := os.ReadFile(bin.plugin + ".sha256")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tfy-secrets-plugin.sha256"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	e := startEmulator(t)
	u := newUser(t, e)
	r := u.runBinary(filepath.Join(dir, "tfy-secrets"), "", "group", "list")
	if r.code != 1 || !strings.Contains(r.stderr, "SHA-256") || !strings.Contains(r.stderr, "hint: ") {
		t.Fatalf("want exit 1 with a checksum error and hint\n%v", r)
	}

	if err := os.Remove(filepath.Join(dir, "tfy-secrets-plugin.sha256")); err != nil {
		t.Fatal(err)
	}
	// A host built with the sum (make build, TFY_E2E_PREBUILT) never reads
	// the file and says so; one built without it needs the file.
	builtIn := strings.Contains(r.stderr, "runs only the plugin built with it")
	r = u.runBinary(filepath.Join(dir, "tfy-secrets"), "", "group", "list")
	switch {
	case builtIn && (r.code != 1 || !strings.Contains(r.stderr, "SHA-256 does not match") || strings.Contains(r.stderr, ".sha256")):
		t.Fatalf("want exit 1 with the reinstall hint, no sum file involved\n%v", r)
	case !builtIn && (r.code != 1 || !strings.Contains(r.stderr, ".sha256")):
		t.Fatalf("want exit 1 naming the missing sum file\n%v", r)
	}
}

// TestPluginVerificationRecord: the first command hashes the plugin and
// records the file it checked; a later one trusts the record only while
// the file is untouched. A byte changed in place, even with the
// modification time put back, is refused.
func TestPluginVerificationRecord(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"tfy-secrets", "tfy-secrets-plugin", "tfy-secrets-plugin.sha256"} {
		data, err := os.ReadFile(filepath.Join(bin.dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	host, plug := filepath.Join(dir, "tfy-secrets"), filepath.Join(dir, "tfy-secrets-plugin")
	e := startEmulator(t)
	u := newUser(t, e)
	first := u.runBinary(host, "", "--debug", "group", "list")
	if first.code != 0 || !strings.Contains(first.stderr, `how="sha256 computed"`) {
		t.Fatalf("first run should hash the plugin\n%v", first)
	}
	// Installed side by side, the plugin starts with the host (spawn.Prestart),
	// not after its flags are parsed.
	if !strings.Contains(first.stderr, `started="with the host"`) {
		t.Fatalf("the plugin was not started early\n%v", first)
	}
	sum, err := os.ReadFile(plug + ".sha256")
	if err != nil {
		t.Fatal(err)
	}
	record := filepath.Join(u.home, ".cache", "tfy-secrets", "plugin-verified", strings.Fields(string(sum))[0])
	if info, err := os.Stat(record); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("verification record %s: %v", record, err)
	}
	second := u.runBinary(host, "", "--debug", "group", "list")
	if second.code != 0 || !strings.Contains(second.stderr, "computed earlier for this very file") || !strings.Contains(second.stderr, `started="with the host"`) {
		t.Fatalf("second run should trust the record\n%v", second)
	}

	info, err := os.Stat(plug)
	if err != nil {
		t.Fatal(err)
	}
	original, err := os.ReadFile(plug)
	if err != nil {
		t.Fatal(err)
	}
	rewrite := func(data []byte) {
		t.Helper()
		f, err := os.OpenFile(plug, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteAt(data, 0); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(plug, info.ModTime(), info.ModTime()); err != nil {
			t.Fatal(err)
		}
	}
	tampered := bytes.Clone(original)
	tampered[len(tampered)-1] ^= 0xff
	rewrite(tampered)
	if r := u.runBinary(host, "", "group", "list"); r.code != 1 || !strings.Contains(r.stderr, "SHA-256 does not match") {
		t.Fatalf("a plugin changed in place ran on an old record\n%v", r)
	}
	rewrite(original)
	if r := u.runBinary(host, "", "--debug", "group", "list"); r.code != 0 || !strings.Contains(r.stderr, `how="sha256 computed"`) {
		t.Fatalf("the restored plugin should be hashed again and run\n%v", r)
	}
}

// TestPluginRunByHand: the plugin explains itself in one line, exit 2.
func TestPluginRunByHand(t *testing.T) {
	t.Parallel()
	u := newUser(t, nil)
	r := u.runBinary(bin.plugin, "")
	if r.code != 2 || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "run `tfy-secrets` instead") {
		t.Fatalf("want one line on stderr and exit 2\n%v", r)
	}
}

// TestTimeout: an API that does not answer within --timeout ends with
// exit 9 instead of hanging. The timeout leaves room for the plugin's
// policy load on a busy machine, which the same budget covers.
func TestTimeout(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	e.control(t, http.MethodPost, "/_emulator/faults", map[string]any{"method": "GET", "pathPrefix": "/api/svc/v1/secret-groups", "delay": "5m"})
	r := u.run("", "group", "list", "--timeout", "15s")
	if r.code != 9 || !strings.Contains(r.stderr, "error: ") {
		t.Fatalf("want exit 9 with an error line\n%v", r)
	}
}

// TestEarlyPluginNotNeeded: the host starts the plugin before it parses its
// flags when the command words name a command that talks to the plugin. A
// command that then fails before it needs the plugin kills and reaps it and
// removes its socket directory: nothing is left in TMPDIR.
func TestEarlyPluginNotNeeded(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	// A command that uses the plugin leaves nothing behind either.
	if r := u.run("", "group", "list"); r.code != 0 {
		t.Fatalf("want success\n%v", r)
	}
	for _, args := range [][]string{
		{"group", "list", "--no-such-flag"},
		{"group", "get"},
		{"secret", "get", "not-a-reference"},
		{"group", "list", "--help"},
	} {
		r := u.run("", args...)
		if r.code == 0 && args[len(args)-1] != "--help" {
			t.Fatalf("want a failure\n%v", r)
		}
		if left := leftovers(t, u.env["TMPDIR"]); len(left) != 0 {
			t.Fatalf("TMPDIR holds %v after\n%v", left, r)
		}
	}
}
