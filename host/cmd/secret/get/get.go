// Package get implements `secret get`: one secret's metadata, its value
// masked as policy decides.
// It never receives a value, only the masked form.
package get

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
	Globals    cmdutil.Globals
	Secret     string
	ShowPrefix bool
}

// NewCmd builds the command; runF replaces run in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cli.Command {
	return &cli.Command{
		Name:      "get",
		Usage:     "Show one secret (value masked)",
		ArgsUsage: "SECRET [--show-prefix]",
		Description: "SECRET is a secret id, GROUP:KEY, TENANT:GROUP:KEY or tfy-secret://TENANT:GROUP:KEY.\n\n" +
			cmdutil.Examples("tfy-secrets secret get my-app:DB_PASSWORD", "tfy-secrets secret get tfy-secret://demo:my-app:DB_PASSWORD -o json"),
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "show-prefix", Usage: "show the first 4 characters of a long value where policy allows"},
		},
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
			opts := &Options{Session: f.Session(g), Globals: g, Secret: args[0], ShowPrefix: c.Bool("show-prefix")}
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
	call := opts.Globals.Call(opts.IO.CanPrompt())
	call.ShowPrefix = opts.ShowPrefix
	s, err := svc.GetSecret(ctx, plugin.SecretRequest{Call: call, Secret: opts.Secret})
	if err != nil {
		return fmt.Errorf("get secret: %w", err)
	}
	return render.New(opts.Globals.Output, opts.IO.ColorEnabled()).Secret(opts.IO.Out, s)
}
