package host

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestShim runs real `tfy` programs: the shim must skip itself (a symlink
// to the running executable, first on PATH) and run the next one with the
// same arguments, streams and exit code.
func TestShim(t *testing.T) {
	root := t.TempDir()
	self := filepath.Join(root, "bin", "tfy-secrets")
	shimDir := filepath.Join(root, "shim")
	pyDir := filepath.Join(root, "py")
	for _, d := range []string{filepath.Dir(self), shimDir, pyDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, self, "#!/bin/sh\nexit 99\n")
	if err := os.Symlink(self, filepath.Join(shimDir, "tfy")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(pyDir, "tfy"), "#!/bin/sh\nread line\necho \"python tfy: $* / $line\"\necho to-stderr >&2\nexit 4\n")
	env := map[string]string{"PATH": shimDir + string(os.PathListSeparator) + pyDir}
	in := invocation{env: env, exe: self, stdin: "from-stdin\n"}

	o := in.run(t, filepath.Join(shimDir, "tfy"), "deploy", "--file", "a b.yaml")
	o.expect(t, 4, "python tfy: deploy --file a b.yaml / from-stdin", "to-stderr")

	// `tfy secrets ...` is ours, named accordingly in help and errors.
	o = in.run(t, "tfy", "secrets", "ref", "app")
	o.expect(t, 2, "", "usage: tfy secrets ref GROUP KEY")
	o = in.run(t, "tfy", "secrets", "version")
	o.expect(t, 0, "tfy-secrets v9.9.9", "")
	o = in.run(t, "tfy", "secrets", "completion", "fish")
	o.expect(t, 0, "complete -c tfy-secrets", "")

	// No other tfy: a clear error, not a loop into ourselves.
	lonely := invocation{env: map[string]string{"PATH": shimDir}, exe: self}
	o = lonely.run(t, "tfy", "login")
	o.expect(t, 1, "", "no other `tfy` found on PATH")
	if !strings.Contains(o.stderr, "hint: install TrueFoundry's CLI") {
		t.Fatalf("no hint: %s", o.stderr)
	}
}
