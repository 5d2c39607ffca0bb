// Package test implements `policy test DIR`: the _test.rego unit tests of
// a policy directory, run by the tfy-secrets-policy tool so that the host
// never links OPA.
package test

import (
	"context"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/render"
)

// Options are the parsed argument and the global flag the command uses,
// and the runner of the policy tool.
type Options struct {
	// RunHelper runs a helper program on the host's streams
	// (Factory.RunHelper).
	RunHelper func(ctx context.Context, name string, args ...string) error
	Dir       string
	Output    render.Format
}

// NewCmd builds the command; runF replaces run in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cli.Command {
	return &cli.Command{
		Name:      "test",
		Usage:     "Run the _test.rego tests of a policy directory",
		ArgsUsage: "DIR",
		Description: "Prints one line per test, or with -o json|yaml every test's outcome and a summary.\n" +
			"Exits 10 when a test fails, 2 when DIR does not exist.\n\n" +
			cmdutil.Examples("tfy-secrets policy test ./org-policy", "tfy-secrets policy test ./org-policy -o json"),
		Action: func(c *cli.Context) error {
			g, err := cmdutil.ReadGlobals(c, f.LookupEnv)
			if err != nil {
				return err
			}
			args, err := cmdutil.Args(c, 1, 1)
			if err != nil {
				return err
			}
			if args[0] == "" {
				return cmdutil.UsageError("DIR is empty")
			}
			opts := &Options{RunHelper: f.RunHelper, Dir: args[0], Output: g.Output}
			if runF != nil {
				return runF(c.Context, opts)
			}
			return run(c.Context, opts)
		},
	}
}

func run(ctx context.Context, opts *Options) error {
	args := []string{"test", opts.Dir}
	if opts.Output != render.Table {
		// -o json|yaml is passed on to the tool.
		args = append(args, "-format", string(opts.Output))
	}
	return opts.RunHelper(ctx, cmdutil.PolicyTool, args...)
}
