package authoring

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const policy = "package tfy.secrets\n\ndecision := {\"warn\": [\"hi\"]}\n"

func TestBuildWritesAReproducibleBundleWithoutTests(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{
		"policy.rego":           policy,
		"policy_test.rego":      "package tfy.secrets_test\n\ntest_x if true\n",
		"data.json":             `{"teams":["a"]}`,
		".git/ignored.rego":     "package junk\n\nx := \n",
		"sub/helpers.rego":      "package tfy.secrets.helpers\n\ny := 1\n",
		"sub/helpers_test.rego": "package tfy.secrets.helpers_test\n\ntest_y if true\n",
	})
	out1, out2 := filepath.Join(t.TempDir(), "a.tar.gz"), filepath.Join(t.TempDir(), "b.tar.gz")
	for _, out := range []string{out1, out2} {
		if err := Build(context.Background(), dir, out); err != nil {
			t.Fatal(err)
		}
	}
	a, _ := os.ReadFile(out1)
	b, _ := os.ReadFile(out2)
	if !bytes.Equal(a, b) {
		t.Fatal("two builds of the same directory differ")
	}
	names := entries(t, a)
	want := []string{"/.manifest", "/data.json", "/policy.rego", "/policy.wasm", "/sub/helpers.rego"}
	if !slices.Equal(names, want) {
		t.Fatalf("bundle holds %q, want %q", names, want)
	}
}

func entries(t *testing.T, bundle []byte) []string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(bundle))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
	}
	slices.Sort(names)
	return names
}

func TestBuildFailuresLeaveNoFile(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out.tar.gz")
	tests := map[string]string{
		"parse error":   writeFiles(t, map[string]string{"p.rego": "package tfy.secrets\n\ndecision := \n"}),
		"no entrypoint": writeFiles(t, map[string]string{"p.rego": "package other\n\nd := 1\n"}),
		"missing dir":   filepath.Join(t.TempDir(), "nope"),
	}
	for name, dir := range tests {
		err := Build(context.Background(), dir, out)
		if err == nil || !strings.HasPrefix(err.Error(), "build: ") {
			t.Errorf("%s: err = %v, want a build error", name, err)
		}
		if _, serr := os.Stat(out); !os.IsNotExist(serr) {
			t.Fatalf("%s: output left behind", name)
		}
	}
}

func TestTestCountsAndReports(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{
		"policy.rego": policy,
		"policy_test.rego": "package tfy.secrets_test\n\nimport data.tfy.secrets\n\n" +
			"test_pass if secrets.decision.warn == [\"hi\"]\n\ntest_fail if secrets.decision.warn == [\"bye\"]\n\n" +
			"test_error if 1 / 0 == 1\n",
	})
	var out bytes.Buffer
	passed, failed, err := Test(context.Background(), dir, &out)
	if err != nil {
		t.Fatal(err)
	}
	if passed != 1 || failed != 2 {
		t.Fatalf("passed %d, failed %d, want 1 and 2:\n%s", passed, failed, out.String())
	}
	for _, want := range []string{"PASS  data.tfy.secrets_test.test_pass", "FAIL  data.tfy.secrets_test.test_fail", "1 passed, 2 failed"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestTestNeedsTests(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{"policy.rego": policy})
	if _, _, err := Test(context.Background(), dir, io.Discard); err == nil || !strings.Contains(err.Error(), "no test rules") {
		t.Fatalf("Test without tests = %v", err)
	}
}

func TestCompileWasmIsReproducible(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{"policy.rego": policy})
	files := []string{filepath.Join(dir, "policy.rego")}
	a, err := CompileWasm(context.Background(), files)
	if err != nil {
		t.Fatal(err)
	}
	b, err := CompileWasm(context.Background(), files)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) || !bytes.HasPrefix(a, []byte("\x00asm")) {
		t.Fatal("CompileWasm is not reproducible or not a wasm module")
	}
}
