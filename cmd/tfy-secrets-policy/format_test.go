package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestTestAsDocument: `test -format json|yaml` prints every outcome and a
// summary as a document, and a failing suite still exits 10 (issue 11,
// item 17: `policy test -o json` was ignored).
func TestTestAsDocument(t *testing.T) {
	t.Parallel()
	suite := writePolicy(t, map[string]string{
		"p.rego":      "package p\n\nx := 1\n",
		"p_test.rego": "package p_test\n\nimport data.p\n\ntest_ok if p.x == 1\n\ntest_wrong if p.x == 2\n",
	})
	for _, format := range []string{"json", "yaml"} {
		code, stdout, stderr := runArgs(t, "test", suite, "-format", format)
		var doc testDoc
		var err error
		if format == "json" {
			err = json.Unmarshal([]byte(stdout), &doc)
		} else {
			err = yaml.Unmarshal([]byte(stdout), &doc)
		}
		if code != 10 || err != nil || len(doc.Tests) != 2 || doc.Summary.Passed != 1 || doc.Summary.Failed != 1 {
			t.Fatalf("%s: exit %d, %v\nstdout %s\nstderr %s", format, code, err, stdout, stderr)
		}
		if doc.Tests[1].Name != "test_wrong" || doc.Tests[1].Status != "fail" || !strings.HasSuffix(doc.Tests[1].Location, "p_test.rego:7") {
			t.Errorf("%s: outcome %+v", format, doc.Tests[1])
		}
		if format == "json" && !strings.HasPrefix(stderr, `{"error":{"code":"check_failed"`) {
			t.Errorf("json: the error is not a document: %q", stderr)
		}
	}
	code, stdout, _ := runArgs(t, "-format", "json")
	if code != 2 || stdout != "" {
		t.Errorf("a flag before the command: exit %d", code)
	}
	if code, _, stderr := runArgs(t, "test", suite, "-format", "xml"); code != 2 || !strings.Contains(stderr, `unknown format "xml"`) {
		t.Errorf("unknown format: exit %d, %q", code, stderr)
	}
}

func TestBuildAsDocument(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "org.tar.gz")
	code, stdout, stderr := runArgs(t, "build", "../../policies/examples/prod-delete", "-o", out, "-format", "json")
	var doc struct{ Bundle string }
	if code != 0 || json.Unmarshal([]byte(stdout), &doc) != nil || doc.Bundle != out {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatal(err)
	}
}

// TestMissingDirectoryIsAUsageError: a DIR that is not there is a mistake
// on the command line (exit 2), not a broken policy (exit 1).
func TestMissingDirectoryIsAUsageError(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "nope")
	for _, args := range [][]string{{"test", missing}, {"build", missing, "-o", filepath.Join(t.TempDir(), "b")}, {"test", missing, "-format", "json"}} {
		code, _, stderr := runArgs(t, args...)
		if code != 2 || !strings.Contains(stderr, "nope does not exist") || !strings.Contains(stderr, "hint") {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr)
		}
	}
}
