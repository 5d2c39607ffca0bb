package spawn

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

// writeExec writes an executable stub at path.
func writeExec(t *testing.T, path string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
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
