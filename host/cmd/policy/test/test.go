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

// Options are the parsed arguments.
type Options struct {
	Dir string
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
			args, err := cmdutil.Args(c, 1, 1)
			if err != nil {
				return err
			}
			if args[0] == "" {
				return cmdutil.UsageError("DIR is empty")
			}
			opts := &Options{Dir: args[0]}
			if runF != nil {
				return runF(c.Context, opts)
			}
			return f.RunHelper(c.Context, cmdutil.PolicyTool, append([]string{"test", opts.Dir}, formatArgs(f)...)...)
		},
	}
}

// formatArgs passes -o json|yaml on to the tool.
func formatArgs(f *cmdutil.Factory) []string {
	if f.Globals.Output == render.Table {
		return nil
	}
	return []string{"-format", string(f.Globals.Output)}
}
