// Package versions implements `secret versions`: version numbers and
// times, never values.
package versions

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// Options are the parsed arguments.
type Options struct {
	Secret string
}

// NewCmd builds the command; runF replaces run in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cli.Command {
	return &cli.Command{
		Name:        "versions",
		Usage:       "List a secret's versions (numbers and times, never values)",
		ArgsUsage:   "SECRET",
		Description: cmdutil.Examples("tfy-secrets secret versions my-app:DB_PASSWORD", "tfy-secrets secret versions demo:my-app:DB_PASSWORD -o yaml"),
		Action: func(c *cli.Context) error {
			args, err := cmdutil.Args(c, 1, 1)
			if err != nil {
				return err
			}
			if err := cmdutil.ValidateSecret(args[0]); err != nil {
				return err
			}
			opts := &Options{Secret: args[0]}
			if runF != nil {
				return runF(c.Context, opts)
			}
			return run(c.Context, f, opts)
		},
	}
}

func run(ctx context.Context, f *cmdutil.Factory, opts *Options) error {
	svc, err := f.Service(ctx)
	if err != nil {
		return err
	}
	vs, err := svc.SecretVersions(ctx, plugin.SecretRequest{Call: f.Call(), Secret: opts.Secret})
	if err != nil {
		return fmt.Errorf("secret versions: %w", err)
	}
	return f.Renderer().Versions(f.IOStreams.Out, vs)
}
