// Package build implements `policy build DIR -o BUNDLE`: an organisation
// policy bundle (policy.wasm) compiled by the tfy-secrets-policy tool, so
// that the host never links OPA.
package build

import (
	"context"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
)

// Options are the parsed flags and arguments.
type Options struct {
	Dir    string
	Bundle string
}

// NewCmd builds the command; runF replaces run in tests. Its -o/--output is
// the bundle path, not the global output format: after `policy build` the
// host's argument normaliser leaves -o to this command.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cli.Command {
	return &cli.Command{
		Name:        "build",
		Usage:       "Compile a policy directory into an organisation bundle (OPA wasm)",
		ArgsUsage:   "DIR -o BUNDLE",
		Description: cmdutil.Examples("tfy-secrets policy build ./org-policy -o org.tar.gz", "tfy-secrets group list --policy org.tar.gz"),
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the bundle to `BUNDLE`"},
		},
		Action: func(c *cli.Context) error {
			args, err := cmdutil.Args(c, 1, 1)
			if err != nil {
				return err
			}
			opts := &Options{Dir: args[0], Bundle: c.String("output")}
			if opts.Dir == "" {
				return cmdutil.UsageError("DIR is empty")
			}
			if opts.Bundle == "" {
				return cmdutil.UsageError("policy build needs -o BUNDLE")
			}
			if runF != nil {
				return runF(c.Context, opts)
			}
			return f.RunHelper(c.Context, cmdutil.PolicyTool, "build", opts.Dir, "-o", opts.Bundle)
		},
	}
}
