// Package show implements `policy show`: the Rego source of the policies
// the plugin is enforcing, defaults and organisation bundle.
// It prints policy source, which never holds a value.
package show

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
		Name:        "show",
		Usage:       "Show the active policies' Rego source",
		ArgsUsage:   "[--policy BUNDLE]",
		Description: cmdutil.Examples("tfy-secrets policy show", "tfy-secrets policy show --policy ./org-bundle.tar.gz -o json"),
		Action: func(c *cli.Context) error {
			if _, err := cmdutil.Args(c, 0, 0); err != nil {
				return err
			}
			opts := &Options{}
			if runF != nil {
				return runF(c.Context, opts)
			}
			return run(c.Context, f)
		},
	}
}

func run(ctx context.Context, f *cmdutil.Factory) error {
	svc, err := f.Service(ctx)
	if err != nil {
		return err
	}
	info, err := svc.PolicyShow(ctx, f.Call())
	if err != nil {
		return fmt.Errorf("policy show: %w", err)
	}
	return f.Renderer().Policy(f.IOStreams.Out, info)
}
