// Package list implements `integration list`: the secret-store
// integrations a group can be created in.
// It reaches TrueFoundry only through plugin.Service.
package list

import (
	"context"
	"fmt"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/render"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// Options are the parsed flags, the global ones included, and the
// streams and plugin run works with.
type Options struct {
	cmdutil.Session
	Globals  cmdutil.Globals
	Provider string
}

// NewCmd builds the command; runF replaces run in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cli.Command {
	return &cli.Command{
		Name:        "list",
		Aliases:     []string{"ls"},
		Usage:       "List secret-store integrations",
		ArgsUsage:   "[--provider aws|azure|gcp|hashicorp|truefoundry|custom]",
		Description: cmdutil.Examples("tfy-secrets integration list", "tfy-secrets integration list --provider azure -o json"),
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "provider", Usage: "only integrations of `PROVIDER`"},
		},
		Action: func(c *cli.Context) error {
			g, err := cmdutil.ReadGlobals(c, f.LookupEnv)
			if err != nil {
				return err
			}
			if _, err := cmdutil.Args(c, 0, 0); err != nil {
				return err
			}
			opts := &Options{Session: f.Session(g), Globals: g, Provider: c.String("provider")}
			if opts.Provider != "" && !slices.Contains(cmdutil.Providers, opts.Provider) {
				return cmdutil.UsageError("unknown --provider %q: use one of %v", opts.Provider, cmdutil.Providers)
			}
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
	is, err := svc.ListIntegrations(ctx, plugin.IntegrationsRequest{Call: opts.Globals.Call(opts.IO.CanPrompt()), Provider: opts.Provider})
	if err != nil {
		return fmt.Errorf("list integrations: %w", err)
	}
	return render.New(opts.Globals.Output, opts.IO.ColorEnabled()).Integrations(opts.IO.Out, is)
}
