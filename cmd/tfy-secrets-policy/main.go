// Command tfy-secrets-policy tests and builds organisation policies. The host
// runs it for `tfy-secrets policy test` and `policy build`, so that OPA's
// compiler is linked here and never into the host or the plugin.
//
//	tfy-secrets-policy test DIR              run DIR's _test.rego tests
//	tfy-secrets-policy build DIR -o BUNDLE   compile DIR into a wasm bundle
//
// Exit codes follow tfy-secrets' table: 0 success, 1 a policy that does not
// load, compile or build, 2 usage error, 10 failing tests (check failed).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/policies"
	"github.com/tfy-secrets/tfy-secrets/policies/authoring"
)

const usage = `usage:
  tfy-secrets-policy test DIR              run the _test.rego tests under DIR
  tfy-secrets-policy build DIR -o BUNDLE   compile DIR into a wasm policy bundle
`

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "test":
		err = testCmd(ctx, args[1:], stdout)
	case "build":
		err = buildCmd(ctx, args[1:], stdout)
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
	fmt.Fprintln(stderr, "error: "+argv.Hide(f.Error()))
	if f.Hint != "" {
		fmt.Fprintln(stderr, "hint: "+argv.Hide(f.Hint))
	}
	return f.Kind.ExitCode()
}

func testCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return failure.New(failure.Usage, "test takes one directory").WithHint("tfy-secrets-policy test DIR")
	}
	_, failed, err := authoring.Test(ctx, args[0], stdout)
	if err != nil {
		return failure.Wrap(failure.Config, err, err.Error())
	}
	if failed > 0 {
		return failure.New(failure.CheckFailed, "%d policy test(s) failed", failed)
	}
	return nil
}

func buildCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("o", "", "bundle file to write")
	// Accept the directory before or after -o, as people type it both ways.
	var dirs []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return failure.New(failure.Usage, "build: %v", err).WithHint("tfy-secrets-policy build DIR -o BUNDLE")
		}
		args = fs.Args()
		if len(args) > 0 {
			dirs = append(dirs, args[0])
			args = args[1:]
		}
	}
	if len(dirs) != 1 || *out == "" {
		return failure.New(failure.Usage, "build takes one directory and -o BUNDLE").WithHint("tfy-secrets-policy build DIR -o BUNDLE")
	}
	if err := authoring.Build(ctx, dirs[0], *out); err != nil {
		return failure.Wrap(failure.Config, err, err.Error())
	}
	// Load the result the way the plugin will, so a bundle the plugin
	// would refuse (an unsupported builtin, no entry point) fails here,
	// where its author is looking, and is not left behind.
	e, err := policies.New(ctx, policies.Options{Bundle: *out})
	if err != nil {
		_ = os.Remove(*out)
		if f, ok := errors.AsType[*failure.Error](err); ok {
			return f
		}
		return failure.Wrap(failure.Config, err, "build: check: "+err.Error())
	}
	_ = e.Close(ctx)
	fmt.Fprintf(stdout, "wrote %s\n", *out)
	return nil
}
