// Package build implements `policy build DIR --out BUNDLE`: an organisation
// policy bundle (policy.wasm) compiled by the tfy-secrets-policy tool, so
// that the host never links OPA.
package build

import (
	"context"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/render"
)

// Options are the parsed flags, the global -o included, and argument,
// and the runner of the policy tool.
type Options struct {
	// RunHelper runs a helper program on the host's streams
	// (Factory.RunHelper).
	RunHelper func(ctx context.Context, name string, args ...string) error
	Dir       string
	Bundle    string
	Output    render.Format
}

// The command's flags. -o/--output is the global output format everywhere
// else, and stays so here; the command defines it itself (cmdutil.Normalize
// then leaves it to the command) only to keep the documented
// `policy build DIR -o BUNDLE` working when the value is a file name.
const (
	flagOut    = "out"
	flagOutput = "output"
)

// NewCmd builds the command; runF replaces run in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cli.Command {
	return &cli.Command{
		Name:      "build",
		Usage:     "Compile a policy directory into an organisation bundle (OPA wasm)",
		ArgsUsage: "DIR --out BUNDLE",
		Description: "-o, like everywhere, is the output format (table, json, yaml); `-o BUNDLE` with any\n" +
			"other value names the bundle, as --out does.\n\n" +
			cmdutil.Examples("tfy-secrets policy build ./org-policy --out org.tar.gz",
				"tfy-secrets policy build ./org-policy --out org.tar.gz -o json",
				"tfy-secrets group list --policy org.tar.gz"),
		Flags: []cli.Flag{
			&cli.StringFlag{Name: flagOut, Usage: "write the bundle to `BUNDLE`"},
			&cli.StringFlag{Name: flagOutput, Aliases: []string{"o"}, Usage: "output `FORMAT`: table, json or yaml (any other value: the BUNDLE, as --out)"},
		},
		Action: func(c *cli.Context) error {
			g, err := cmdutil.ReadGlobals(c, f.LookupEnv)
			if err != nil {
				return err
			}
			opts, err := parse(c, g.Output)
			if err != nil {
				// Errors, too, come in the format asked for.
				return cmdutil.InFormat(opts.Output, err)
			}
			opts.RunHelper = f.RunHelper
			if runF != nil {
				return runF(c.Context, opts)
			}
			return cmdutil.InFormat(opts.Output, run(c.Context, opts))
		},
	}
}

func run(ctx context.Context, opts *Options) error {
	args := []string{"build", opts.Dir, "-o", opts.Bundle}
	if opts.Output != render.Table {
		args = append(args, "-format", string(opts.Output))
	}
	return opts.RunHelper(ctx, cmdutil.PolicyTool, args...)
}

// parse reads the flags and DIR; global is the global -o/--output. The
// Options hold the output format even with an error.
func parse(c *cli.Context, global render.Format) (*Options, error) {
	opts := &Options{Bundle: c.String(flagOut), Output: global}
	if o := c.String(flagOutput); o != "" {
		if format, err := render.ParseFormat(o); err == nil {
			opts.Output = format
		} else if opts.Bundle != "" {
			return opts, cmdutil.UsageError("policy build got two bundle paths, -o %s and --out %s", o, opts.Bundle).
				WithHint("name the bundle with --out only; -o is the output format (table, json, yaml)")
		} else {
			opts.Bundle = o
		}
	}
	args, err := cmdutil.Args(c, 1, 1)
	if err != nil {
		return opts, err
	}
	opts.Dir = args[0]
	switch {
	case opts.Dir == "":
		return opts, cmdutil.UsageError("DIR is empty")
	case opts.Bundle == "" && c.IsSet(flagOutput):
		return opts, cmdutil.UsageError("policy build needs --out BUNDLE: -o %s is the output format", opts.Output).
			WithHint("add --out org.tar.gz; a bundle file named %s is --out %s", opts.Output, opts.Output)
	case opts.Bundle == "":
		return opts, cmdutil.UsageError("policy build needs --out BUNDLE").
			WithHint("%s %s --out org.tar.gz", c.Command.HelpName, opts.Dir)
	}
	return opts, nil
}
