// Command tfy-secrets-policy tests and builds organisation policies. The host
// runs it for `tfy-secrets policy test` and `policy build`, so that OPA's
// compiler is linked here and never into the host or the plugin.
//
//	tfy-secrets-policy test DIR [-format F]              run DIR's _test.rego tests
//	tfy-secrets-policy build DIR -o BUNDLE [-format F]   compile DIR into a wasm bundle
//
// F is table (the default), json or yaml, as the host's -o: the results,
// and errors on stderr, come in that format. Exit codes follow
// tfy-secrets' table: 0 success, 1 a policy that does not load, compile or
// build, 2 usage error (a missing DIR included), 10 failing tests (check
// failed).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/policies"
	"github.com/tfy-secrets/tfy-secrets/policies/authoring"
)

const usage = `usage:
  tfy-secrets-policy test DIR [-format table|json|yaml]              run the _test.rego tests under DIR
  tfy-secrets-policy build DIR -o BUNDLE [-format table|json|yaml]   compile DIR into a wasm policy bundle
`

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// The output formats, as the host names them.
const (
	formatTable = "table"
	formatJSON  = "json"
	formatYAML  = "yaml"
)

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	format := formatTable
	var err error
	switch args[0] {
	case "test":
		err = testCmd(ctx, args[1:], stdout, &format)
	case "build":
		err = buildCmd(ctx, args[1:], stdout, &format)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = failure.New(failure.Usage, "unknown command %q", args[0]).WithHint("run tfy-secrets-policy help")
	}
	if err == nil {
		return 0
	}
	f, argv := failure.As(err), failure.NewArgv(args)
	message, hint := argv.Hide(f.Error()), argv.Hide(f.Hint)
	if format == formatJSON {
		var doc struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
				Hint    string `json:"hint,omitempty"`
			} `json:"error"`
		}
		// One line, as the host writes its error documents.
		doc.Error.Code, doc.Error.Message, doc.Error.Hint = string(f.Kind), message, hint
		b, _ := json.Marshal(doc)
		fmt.Fprintf(stderr, "%s\n", b)
		return f.Kind.ExitCode()
	}
	fmt.Fprintln(stderr, "error: "+message)
	if hint != "" {
		fmt.Fprintln(stderr, "hint: "+hint)
	}
	return f.Kind.ExitCode()
}

// parse reads one directory and the flags, in any order, as people type
// them both ways. format is set as soon as it is known, so that even a
// usage error comes in the format asked for.
func parse(name string, args []string, format *string, bundle *string) (string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := fs.String("format", formatTable, "output format")
	if bundle != nil {
		fs.StringVar(bundle, "o", "", "bundle file to write")
	}
	var dirs []string
	for len(args) > 0 {
		err := fs.Parse(args)
		if *f == formatTable || *f == formatJSON || *f == formatYAML {
			*format = *f
		}
		if err != nil {
			return "", failure.New(failure.Usage, "%s: %v", name, err).WithHint("%s", usageOf(name))
		}
		args = fs.Args()
		if len(args) > 0 {
			dirs = append(dirs, args[0])
			args = args[1:]
		}
	}
	switch {
	case *f != *format:
		return "", failure.New(failure.Usage, "%s: unknown format %q: use table, json or yaml", name, *f)
	case len(dirs) != 1 && bundle == nil:
		return "", failure.New(failure.Usage, "test takes one directory").WithHint("%s", usageOf(name))
	case len(dirs) != 1 || bundle != nil && *bundle == "":
		return "", failure.New(failure.Usage, "build takes one directory and -o BUNDLE").WithHint("%s", usageOf(name))
	}
	// A directory that is not there is a mistake in the command line, not
	// in a policy.
	if _, err := os.Stat(dirs[0]); errors.Is(err, os.ErrNotExist) {
		return "", failure.Wrap(failure.Usage, err, fmt.Sprintf("policy %s: %s does not exist", name, dirs[0])).
			WithHint("give the directory that holds the policy's .rego files")
	}
	return dirs[0], nil
}

func usageOf(name string) string {
	if name == "build" {
		return "tfy-secrets-policy build DIR -o BUNDLE"
	}
	return "tfy-secrets-policy test DIR"
}

// testDoc is `policy test -o json`.
type testDoc struct {
	Tests   []authoring.Outcome `json:"tests" yaml:"tests"`
	Summary struct {
		Passed  int `json:"passed" yaml:"passed"`
		Failed  int `json:"failed" yaml:"failed"`
		Skipped int `json:"skipped" yaml:"skipped"`
	} `json:"summary" yaml:"summary"`
}

func testCmd(ctx context.Context, args []string, stdout io.Writer, format *string) error {
	dir, err := parse("test", args, format, nil)
	if err != nil {
		return err
	}
	var failed int
	if *format == formatTable {
		_, failed, err = authoring.Test(ctx, dir, stdout)
	} else {
		var doc testDoc
		doc.Tests, err = authoring.RunTests(ctx, []string{dir})
		if err == nil {
			doc.Summary.Passed, doc.Summary.Failed, doc.Summary.Skipped = authoring.Count(doc.Tests)
			failed = doc.Summary.Failed
			err = write(stdout, *format, doc)
		}
	}
	if err != nil {
		return failure.Wrap(failure.Config, err, err.Error())
	}
	if failed > 0 {
		return failure.New(failure.CheckFailed, "%d policy test(s) failed", failed)
	}
	return nil
}

func buildCmd(ctx context.Context, args []string, stdout io.Writer, format *string) error {
	var out string
	dir, err := parse("build", args, format, &out)
	if err != nil {
		return err
	}
	if err := authoring.Build(ctx, dir, out); err != nil {
		return failure.Wrap(failure.Config, err, err.Error())
	}
	// Load the result the way the plugin will, so a bundle the plugin
	// would refuse (an unsupported builtin, no entry point) fails here,
	// where its author is looking, and is not left behind.
	e, err := policies.New(ctx, policies.Options{Bundle: out})
	if err != nil {
		_ = os.Remove(out)
		if f, ok := errors.AsType[*failure.Error](err); ok {
			return f
		}
		return failure.Wrap(failure.Config, err, "build: check: "+err.Error())
	}
	_ = e.Close(ctx)
	if *format == formatTable {
		fmt.Fprintf(stdout, "wrote %s\n", out)
		return nil
	}
	return write(stdout, *format, struct {
		Bundle string `json:"bundle" yaml:"bundle"`
	}{out})
}

// write prints doc in format (json or yaml) the way the host prints its
// documents: indented by two spaces.
func write(w io.Writer, format string, doc any) error {
	if format == formatYAML {
		enc := yaml.NewEncoder(w)
		enc.SetIndent(2)
		if err := enc.Encode(doc); err != nil {
			return fmt.Errorf("write yaml: %w", err)
		}
		return enc.Close()
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
