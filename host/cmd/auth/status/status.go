// Package status implements `auth status`: which host, tenant and key
// source the plugin would use. The key itself is shown as (set).
// It never sees the key; the plugin reports only where it comes from.
package status

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/render"
)

// Options are the parsed global flags, and the streams and plugin run
// works with.
type Options struct {
	cmdutil.Session
	Globals cmdutil.Globals
}

// NewCmd builds the command; runF replaces run in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cli.Command {
	return &cli.Command{
		Name:        "status",
		Usage:       "Show the host, tenant and where the API key comes from",
		Description: cmdutil.Examples("tfy-secrets auth status", "tfy-secrets auth status -o json"),
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
	st, err := svc.GetAuthStatus(ctx, opts.Globals.Call(opts.IO.CanPrompt()))
	if err != nil {
		return fmt.Errorf("auth status: %w", err)
	}
	return render.New(opts.Globals.Output, opts.IO.ColorEnabled()).AuthStatus(opts.IO.Out, st)
}
