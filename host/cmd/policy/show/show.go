// Package show implements `policy show`: the Rego source of the policies
// the plugin is enforcing, defaults and organisation bundle.
// It prints policy source, which never holds a value.
package show

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/render"
)

// Options are the parsed global flags (the bundle is --policy), and the
// streams and plugin run works with.
type Options struct {
	cmdutil.Session
	Globals cmdutil.Globals
}

// NewCmd builds the command; runF replaces run in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cli.Command {
	return &cli.Command{
		Name:        "show",
		Usage:       "Show the active policies' Rego source",
		ArgsUsage:   "[--policy BUNDLE]",
		Description: cmdutil.Examples("tfy-secrets policy show", "tfy-secrets policy show --policy ./org-bundle.tar.gz -o json"),
		Action: func(c *cli.Context) error {
			g, err := cmdutil.ReadGlobals(c, f.LookupEnv)
			if err != nil {
				return err
			}
			if _, err := cmdutil.Args(c, 0, 0); err != nil {
				return err
			}
			opts := &Options{Session: f.Session(g), Globals: g}
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
	info, err := svc.ShowPolicy(ctx, opts.Globals.Call(opts.IO.CanPrompt()))
	if err != nil {
		return fmt.Errorf("policy show: %w", err)
	}
	return render.New(opts.Globals.Output, opts.IO.ColorEnabled()).Policy(opts.IO.Out, info)
}
