// Package authoring is the policy author's tool box: it runs the _test.rego
// unit tests of a policy directory with OPA's tester and compiles a directory
// into an OPA WebAssembly bundle with tfy-secrets' entry point. It links OPA's
// compiler and evaluator, so only build-time tools may import it
// (cmd/tfy-secrets-policy and the go:generate step); the host and the plugin
// must not, or every start of them would pay for linking OPA.
package authoring

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/compile"
	"github.com/open-policy-agent/opa/v1/tester"
)

// Entrypoint is the rule every tfy-secrets policy bundle must define.
const Entrypoint = "tfy/secrets/decision"

// TestSuffix marks Rego files that hold tests; they are run by Test and left
// out of bundles.
const TestSuffix = "_test.rego"

// Test runs every test rule (test_*) in the Rego files under dir, writes one
// line per test to w and a closing "N passed, N failed" line, and returns the
// counts. A test that errors counts as failed. err is set only when the
// policies cannot be loaded or compiled, or dir holds no tests.
func Test(ctx context.Context, dir string, w io.Writer) (passed, failed int, err error) {
	if _, err := os.Stat(dir); err != nil {
		return 0, 0, fmt.Errorf("test: %w", err)
	}
	return TestFiles(ctx, []string{dir}, w)
}

// TestFiles is Test over an explicit list of files and directories, for a
// directory that also holds policies which must not be loaded together (the
// default policies sit beside the examples).
func TestFiles(ctx context.Context, paths []string, w io.Writer) (passed, failed int, err error) {
	outcomes, err := RunTests(ctx, paths)
	if err != nil {
		return 0, 0, err
	}
	for _, o := range outcomes {
		where := ""
		if o.Location != "" {
			where = " (" + o.Location + ")"
		}
		switch o.Status {
		case StatusSkip:
			fmt.Fprintf(w, "SKIP  %s.%s%s\n", o.Package, o.Name, where)
		case StatusError:
			fmt.Fprintf(w, "ERROR %s.%s%s: %s\n", o.Package, o.Name, where, o.Error)
		case StatusFail:
			fmt.Fprintf(w, "FAIL  %s.%s%s\n", o.Package, o.Name, where)
		default:
			fmt.Fprintf(w, "PASS  %s.%s\n", o.Package, o.Name)
		}
	}
	passed, failed, _ = Count(outcomes)
	fmt.Fprintf(w, "%d passed, %d failed\n", passed, failed)
	return passed, failed, nil
}

// The statuses of a test.
const (
	StatusPass  = "pass"
	StatusFail  = "fail"
	StatusError = "error"
	StatusSkip  = "skip"
)

// Outcome is what one test rule did.
type Outcome struct {
	Package  string `json:"package" yaml:"package"`
	Name     string `json:"name" yaml:"name"`
	Status   string `json:"status" yaml:"status"`     // pass, fail, error or skip
	Location string `json:"location" yaml:"location"` // file:row, for fail and error
	Error    string `json:"error" yaml:"error"`       // the evaluation error, for error
}

// RunTests runs the test rules in paths and returns their outcomes sorted
// by package and name. err is set only when the policies cannot be loaded
// or compiled, or there are no test rules.
func RunTests(ctx context.Context, paths []string) ([]Outcome, error) {
	modules, store, err := tester.LoadWithRegoVersion(paths, nil, ast.RegoV1)
	if err != nil {
		return nil, fmt.Errorf("test: load: %w", err)
	}
	ch, err := tester.NewRunner().SetStore(store).SetDefaultRegoVersion(ast.RegoV1).SetModules(modules).RunTests(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("test: %w", err)
	}
	var outcomes []Outcome
	for r := range ch {
		o := Outcome{Package: r.Package, Name: r.Name, Status: StatusPass}
		switch {
		case r.Skip:
			o.Status = StatusSkip
		case r.Error != nil:
			o.Status, o.Error = StatusError, r.Error.Error()
		case r.Fail:
			o.Status = StatusFail
		}
		if r.Location != nil && (o.Status == StatusFail || o.Status == StatusError || o.Status == StatusSkip) {
			o.Location = fmt.Sprintf("%s:%d", r.Location.File, r.Location.Row)
		}
		outcomes = append(outcomes, o)
	}
	// The runner works in parallel; sorting keeps the report stable.
	sort.Slice(outcomes, func(i, j int) bool {
		if outcomes[i].Package != outcomes[j].Package {
			return outcomes[i].Package < outcomes[j].Package
		}
		return outcomes[i].Name < outcomes[j].Name
	})
	if passed, failed, _ := Count(outcomes); passed+failed == 0 {
		return nil, errors.New("test: no test rules (test_*) found")
	}
	return outcomes, nil
}

// Count adds up outcomes; a test that errors counts as failed.
func Count(outcomes []Outcome) (passed, failed, skipped int) {
	for _, o := range outcomes {
		switch o.Status {
		case StatusPass:
			passed++
		case StatusSkip:
			skipped++
		default:
			failed++
		}
	}
	return passed, failed, skipped
}

// Build compiles the Rego files under dir (tests excluded) into an OPA
// WebAssembly bundle at out: a gzipped tar holding /policy.wasm, /data.json,
// /.manifest and the Rego sources, the same format `opa build -t wasm -e
// tfy/secrets/decision` produces. The bundle is written only when compilation
// succeeds, so a failed build never leaves a truncated file behind.
func Build(ctx context.Context, dir, out string) error {
	if _, err := os.Stat(dir); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	var buf bytes.Buffer
	c := compile.New().
		WithRegoVersion(ast.RegoV1).
		WithTarget(compile.TargetWasm).
		WithEntrypoints(Entrypoint).
		// Paths inside the bundle are relative to dir, as `opa build -b`
		// names them, not to wherever the command ran.
		WithFS(os.DirFS(dir)).
		WithPaths(".").
		WithFilter(skipTests).
		WithOutput(&buf)
	if err := c.Build(ctx); err != nil {
		return fmt.Errorf("build: compile: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".bundle-*")
	if err != nil {
		return fmt.Errorf("build: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("build: write: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("build: write: %w", err)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	return nil
}

// CompileWasm compiles the given Rego files into a bare WebAssembly module
// with the tfy-secrets entry point. The go:generate step uses it for the
// embedded default policy, which needs no bundle around it.
func CompileWasm(ctx context.Context, files []string) ([]byte, error) {
	c := compile.New().
		WithRegoVersion(ast.RegoV1).
		WithTarget(compile.TargetWasm).
		WithEntrypoints(Entrypoint).
		WithPaths(files...)
	if err := c.Build(ctx); err != nil {
		return nil, fmt.Errorf("compile: %w", err)
	}
	b := c.Bundle()
	if b == nil || len(b.WasmModules) != 1 {
		return nil, errors.New("compile: the compiler produced no wasm module")
	}
	return b.WasmModules[0].Raw, nil
}

// skipTests is a loader filter leaving out test files and dot-directories
// (.git, editors' folders) from bundles.
func skipTests(_ string, info fs.FileInfo, depth int) bool {
	name := info.Name()
	if info.IsDir() {
		return depth > 0 && strings.HasPrefix(name, ".")
	}
	return strings.HasSuffix(name, TestSuffix)
}
