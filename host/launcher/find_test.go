package launcher

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

func writeExec(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

func noPath(string) (string, error) { return "", exec.ErrNotFound }

func TestFind(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	// The host lives in install/, with the plugin beside it; people call it
	// through a `tfy` symlink in bin/.
	install := filepath.Join(root, "install")
	writeExec(t, filepath.Join(install, "tfy-secrets"))
	writeExec(t, filepath.Join(install, PluginBinary))
	if err := os.MkdirAll(filepath.Join(root, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	tfyLink := filepath.Join(root, "bin", "tfy")
	if err := os.Symlink(filepath.Join(install, "tfy-secrets"), tfyLink); err != nil {
		t.Fatal(err)
	}
	override := filepath.Join(root, "custom", "my-plugin")
	writeExec(t, override)
	onPath := filepath.Join(root, "path", PluginBinary)
	writeExec(t, onPath)
	notExec := filepath.Join(root, "custom", "not-exec")
	if err := os.WriteFile(notExec, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	lonely := filepath.Join(root, "lonely", "tfy-secrets")
	writeExec(t, lonely)

	env := func(v string) func(string) string {
		return func(k string) string {
			if k == EnvPlugin {
				return v
			}
			return ""
		}
	}
	exe := func(p string) func() (string, error) { return func() (string, error) { return p, nil } }
	lookPath := func(string) (string, error) { return onPath, nil }

	cases := []struct {
		name string
		loc  locator
		want string
		hint string // for failures: a part of the hint
	}{
		{"env wins", locator{env(override), exe(tfyLink), lookPath}, override, ""},
		{"beside the host through a symlink", locator{env(""), exe(tfyLink), lookPath}, filepath.Join(install, PluginBinary), ""},
		{"PATH last", locator{env(""), exe(lonely), lookPath}, onPath, ""},
		{"env points nowhere", locator{env(filepath.Join(root, "missing")), exe(tfyLink), lookPath}, "", "unset it"},
		{"env points at a non-executable", locator{env(notExec), exe(tfyLink), lookPath}, "", "unset it"},
		{"nowhere at all", locator{env(""), exe(lonely), noPath}, "", "set " + EnvPlugin},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.loc.find()
			if tc.want != "" {
				if err != nil || got != tc.want {
					t.Fatalf("find = %q, %v; want %q", got, err, tc.want)
				}
				return
			}
			f := failure.As(err)
			if err == nil || f.Kind != failure.Config || !strings.Contains(f.Hint, tc.hint) {
				t.Fatalf("find = %q, %v (hint %q); want a config failure hinting %q", got, err, f.Hint, tc.hint)
			}
		})
	}
}

func TestParseSum(t *testing.T) {
	t.Parallel()
	digest := sha256.Sum256([]byte("plugin"))
	hexSum := hex.EncodeToString(digest[:])
	good := []string{
		hexSum,
		hexSum + "\n",
		hexSum + "  tfy-secrets-plugin\n",
		hexSum + " *tfy-secrets-plugin\nsecond line ignored",
		"  " + strings.ToUpper(hexSum) + "\t\n",
	}
	for _, in := range good {
		got, err := ParseSum(in)
		if err != nil || hex.EncodeToString(got) != hexSum {
			t.Errorf("ParseSum(%q) = %x, %v", in, got, err)
		}
	}
	bad := map[string]string{
		"":                      "empty",
		"\n" + hexSum:           "empty",
		"   \n":                 "empty",
		hexSum[:63]:             "63 characters",
		hexSum + "0":            "65 characters",
		"z" + hexSum[1:]:        "not hexadecimal",
		"sha256:" + hexSum:      "71 characters",
		strings.Repeat("é", 32): "not hexadecimal",
	}
	for in, want := range bad {
		_, err := ParseSum(in)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "parse checksum: ") {
			t.Errorf("ParseSum(%q) = %v, want an error mentioning %q", in, err, want)
		}
	}
}

// FuzzParseSum: whatever a sum file holds, ParseSum returns 32 bytes or an
// error that names the problem, and never panics.
func FuzzParseSum(f *testing.F) {
	f.Add("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  tfy-secrets-plugin\n")
	f.Add("")
	f.Add("xyz")
	f.Add("\x00\xff\n\n")
	f.Fuzz(func(t *testing.T, in string) {
		sum, err := ParseSum(in)
		if err == nil && len(sum) != sha256.Size {
			t.Fatalf("ParseSum(%q) gave %d bytes", in, len(sum))
		}
		if err != nil && !strings.HasPrefix(err.Error(), "parse checksum: ") {
			t.Fatalf("error %q does not say what failed", err)
		}
	})
}

func TestExpectedSumFromFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, PluginBinary)
	writeExec(t, path)

	_, err := expectedSum(path)
	if f := failure.As(err); f.Kind != failure.Config || !errors.Is(err, os.ErrNotExist) || !strings.Contains(f.Hint, "sha256sum "+path) {
		t.Fatalf("missing sum file: %v (hint %q)", err, f.Hint)
	}

	if err := os.WriteFile(path+SumSuffix, []byte("not a sum\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = expectedSum(path)
	if f := failure.As(err); f.Kind != failure.Config || !strings.Contains(f.Message, path+SumSuffix) {
		t.Fatalf("malformed sum file: %v", err)
	}

	digest := sha256.Sum256([]byte("x"))
	if err := os.WriteFile(path+SumSuffix, []byte(hex.EncodeToString(digest[:])+"  "+PluginBinary+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := expectedSum(path)
	if err != nil || string(got) != string(digest[:]) {
		t.Fatalf("expectedSum = %x, %v", got, err)
	}
}

// Not parallel: it sets the build-time variable, which the parallel tests
// read; Go runs parallel tests only after the sequential ones.
func TestExpectedSumBuiltIn(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, PluginBinary)
	writeExec(t, path)
	t.Cleanup(func() { PluginSHA256 = "" })

	digest := sha256.Sum256([]byte("built in"))
	PluginSHA256 = hex.EncodeToString(digest[:])
	// No sum file exists: the built-in value must be enough.
	got, err := expectedSum(path)
	if err != nil || string(got) != string(digest[:]) {
		t.Fatalf("expectedSum = %x, %v", got, err)
	}
	PluginSHA256 = "not-hex"
	if _, err := expectedSum(path); failure.KindOf(err) != failure.Config {
		t.Fatalf("a malformed built-in sum gave %v", err)
	}
}
