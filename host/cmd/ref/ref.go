// Package ref implements `ref GROUP KEY`: the tfy-secret:// reference a
// deployment uses. Arguments are checked before the plugin starts.
package ref

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/render"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// Options are the parsed global flags and arguments, and the streams and
// plugin run works with.
type Options struct {
	cmdutil.Session
	Globals cmdutil.Globals
	Group   string
	Key     string
}

// NewCmd builds the command; runF replaces run in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cli.Command {
	return &cli.Command{
		Name:      "ref",
		Usage:     "Print the tfy-secret:// reference of a key",
		ArgsUsage: "GROUP KEY",
		Description: "Prints tfy-secret://TENANT:GROUP:KEY alone (with -o json: {\"ref\": ...}).\n\n" +
			cmdutil.Examples("tfy-secrets ref my-app DB_PASSWORD", "echo \"DB_PASSWORD: $(tfy-secrets ref my-app DB_PASSWORD)\" >> env.yaml"),
		Action: func(c *cli.Context) error {
			g, err := cmdutil.ReadGlobals(c, f.LookupEnv)
			if err != nil {
				return err
			}
			args, err := cmdutil.Args(c, 2, 2)
			if err != nil {
				return err
			}
			if err := cmdutil.ValidateGroup(args[0]); err != nil {
				return err
			}
			if err := cmdutil.ValidateKey(args[1]); err != nil {
				return err
			}
			opts := &Options{Session: f.Session(g), Globals: g, Group: args[0], Key: args[1]}
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
	ref, err := svc.MakeRef(ctx, plugin.RefRequest{Call: opts.Globals.Call(opts.IO.CanPrompt()), Group: opts.Group, Key: opts.Key})
	if err != nil {
		return fmt.Errorf("ref: %w", err)
	}
	return render.New(opts.Globals.Output, opts.IO.ColorEnabled()).Ref(opts.IO.Out, ref)
}
