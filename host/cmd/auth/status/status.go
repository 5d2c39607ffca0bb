// Package status implements `auth status`: which host, tenant and key
// source the plugin would use. The key itself is shown as (set).
// It never sees the key; the plugin reports only where it comes from.
package status

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
)

// Options are the parsed flags.
type Options struct{}

// NewCmd builds the command; runF replaces run in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cli.Command {
	return &cli.Command{
		Name:        "status",
		Usage:       "Show the host, tenant and where the API key comes from",
		Description: cmdutil.Examples("tfy-secrets auth status", "tfy-secrets auth status -o json"),
		Action: func(c *cli.Context) error {
			if _, err := cmdutil.Args(c, 0, 0); err != nil {
				return err
			}
			opts := &Options{}
			if runF != nil {
				return runF(c.Context, opts)
			}
			return run(c.Context, f, opts)
		},
	}
}

func run(ctx context.Context, f *cmdutil.Factory, _ *Options) error {
	svc, err := f.Service(ctx)
	if err != nil {
		return err
	}
	st, err := svc.Status(ctx, f.Call())
	if err != nil {
		return fmt.Errorf("auth status: %w", err)
	}
	return f.Renderer().AuthStatus(f.IOStreams.Out, st)
}
