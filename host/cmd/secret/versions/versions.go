// Package versions implements `secret versions`: version numbers and
// times, never values.
package versions

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/render"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// Options are the parsed flags, the global ones included, and argument,
// and the streams and plugin run works with.
type Options struct {
	cmdutil.Session
	Globals cmdutil.Globals
	Secret  string
}

// NewCmd builds the command; runF replaces run in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cli.Command {
	return &cli.Command{
		Name:        "versions",
		Usage:       "List a secret's versions (numbers and times, never values)",
		ArgsUsage:   "SECRET",
		Description: cmdutil.Examples("tfy-secrets secret versions my-app:DB_PASSWORD", "tfy-secrets secret versions demo:my-app:DB_PASSWORD -o yaml"),
		Action: func(c *cli.Context) error {
			g, err := cmdutil.ReadGlobals(c, f.LookupEnv)
			if err != nil {
				return err
			}
			args, err := cmdutil.Args(c, 1, 1)
			if err != nil {
				return err
			}
			if err := cmdutil.ValidateSecret(args[0]); err != nil {
				return err
			}
			opts := &Options{Session: f.Session(g), Globals: g, Secret: args[0]}
			if runF != nil {
				return runF(c.Context, opts)
			}
			return run(c.Context, opts)
		},
	}
}

func run(ctx context.Context, opts *Options) error {
	svc, err := opts.Service(ctx)
	if err != nil {
		return err
	}
	vs, err := svc.ListSecretVersions(ctx, plugin.SecretRequest{Call: opts.Globals.Call(opts.IO.CanPrompt()), Secret: opts.Secret})
	if err != nil {
		return fmt.Errorf("secret versions: %w", err)
	}
	return render.New(opts.Globals.Output, opts.IO.ColorEnabled()).Versions(opts.IO.Out, vs)
}
