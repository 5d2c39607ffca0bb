package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExitCodes provokes every exit code of design section 5 through the
// real binaries and checks the one-line error (and hint) contract.
func TestExitCodes(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	u.env["E2E_VALUE"] = token("v-")
	u.must("", "group", "create", "exists", "--provider", "azure", "--from-env", "API-KEY=E2E_VALUE", "--yes")

	viewer := newUser(t, e)
	viewer.env["TFY_API_KEY"] = e.viewer
	viewer.env["E2E_VALUE"] = "x"

	stranger := newUser(t, e)
	stranger.env["TFY_API_KEY"] = token("unknown-key-")

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
	r = u.runBinary(filepath.Join(dir, "tfy-secrets"), "", "group", "list")
	if r.code != 1 || !strings.Contains(r.stderr, ".sha256") {
		t.Fatalf("want exit 1 naming the missing sum file\n%v", r)
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
