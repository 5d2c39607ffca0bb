package policies_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/policies/authoring"
)

// The default policies' own _test.rego suites, run with OPA's tester. They
// are the policies' unit tests; the Go tests check the compiled module.
func TestDefaultRegoSuites(t *testing.T) {
	files, err := filepath.Glob("*.rego")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	passed, failed, err := authoring.TestFiles(context.Background(), files, &out)
	if err != nil {
		t.Fatalf("rego tests: %v\n%s", err, out.String())
	}
	if failed != 0 {
		t.Fatalf("%d rego tests failed:\n%s", failed, out.String())
	}
	// Every concern has its suite; a file whose tests silently stopped
	// loading would show up as a missing package here.
	for _, f := range files {
		if strings.HasSuffix(f, authoring.TestSuffix) {
			continue
		}
		pkg := "tfy.secrets." + strings.TrimSuffix(f, ".rego") + "_test"
		if !strings.Contains(out.String(), "data."+pkg+".") {
			t.Errorf("no tests ran for %s (package %s)", f, pkg)
		}
		if _, err := os.Stat(strings.TrimSuffix(f, ".rego") + "_test.rego"); err != nil {
			t.Errorf("%s has no _test.rego: %v", f, err)
		}
	}
	t.Logf("%d rego tests passed", passed)
}

// The embedded module must be what the current Rego compiles to; CI's
// check-generated catches the same, but this fails a plain `go test` too.
func TestEmbeddedModuleIsCurrent(t *testing.T) {
	files, err := filepath.Glob("*.rego")
	if err != nil {
		t.Fatal(err)
	}
	var srcs []string
	for _, f := range files {
		if !strings.HasSuffix(f, authoring.TestSuffix) {
			srcs = append(srcs, f)
		}
	}
	want, err := authoring.CompileWasm(context.Background(), srcs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("default.wasm")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("default.wasm is stale: run `go generate ./policies` and commit it")
	}
}
