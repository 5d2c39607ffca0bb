// Package get implements `group get` (and the top-level `get`): a group and
// its secrets, values masked as policy decides.
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

// Options are the parsed flags, the global ones included, and arguments,
// and the streams and plugin run works with.
type Options struct {
	cmdutil.Session
	Globals    cmdutil.Globals
	Group      string
	ShowPrefix bool
}

// NewCmd builds the command; runF replaces run in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cli.Command {
	return &cli.Command{
		Name:      "get",
		Usage:     "Show a secret group and its secrets (values masked)",
		ArgsUsage: "GROUP [--show-prefix]",
		Description: "GROUP is a group name, TENANT:NAME or a group id.\n\n" +
			cmdutil.Examples("tfy-secrets group get my-app-secrets", "tfy-secrets group get demo:my-app-secrets --show-prefix -o yaml"),
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "show-prefix", Usage: "show the first 4 characters of long values where policy allows"},
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
			if err := cmdutil.ValidateGroup(args[0]); err != nil {
				return err
			}
			opts := &Options{Session: f.Session(g), Globals: g, Group: args[0], ShowPrefix: c.Bool("show-prefix")}
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
	d, err := svc.GetGroup(ctx, plugin.GetGroupRequest{Call: call, Group: opts.Group})
	if err != nil {
		return fmt.Errorf("get group: %w", err)
	}
	for _, w := range d.Warnings {
		_, _ = fmt.Fprintf(opts.IO.ErrOut, "warning: %s\n", render.Text(w))
	}
	return render.New(opts.Globals.Output, opts.IO.ColorEnabled()).GroupDetail(opts.IO.Out, d)
}
