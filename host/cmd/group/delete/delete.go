// Package delete implements `group delete` (and the top-level `delete`).
// The plan shows the blast radius; policy demands the typed group name by
// default.
// It writes nothing itself: the plugin applies the plan after the
// confirmation.
package delete

import (
	"context"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/manifests"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// Options are the parsed flags, the global ones included, and argument,
// and the streams and plugin run works with.
type Options struct {
	cmdutil.Session
	Globals     cmdutil.Globals
	Group       string
	ConfirmName string
	// Dir is where the manifests whose references the delete breaks are
	// counted: the working directory.
	Dir string
}

// NewCmd builds the command; runF replaces run in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cli.Command {
	return &cli.Command{
		Name:      "delete",
		Usage:     "Delete a secret group and every secret in it",
		ArgsUsage: "GROUP [--confirm-name NAME]",
		Description: "On a terminal you type the group name to confirm. Scripts pass --yes --confirm-name NAME.\n\n" +
			cmdutil.Examples("tfy-secrets group delete my-app", "tfy-secrets group delete my-app --yes --confirm-name my-app"),
		Flags: []cli.Flag{
			cmdutil.ConfirmNameFlag(),
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
			opts := &Options{Session: f.Session(g), Globals: g, Group: args[0], ConfirmName: c.String(cmdutil.FlagConfirmName), Dir: "."}
			if runF != nil {
				return runF(c.Context, opts)
			}
			return run(c.Context, opts)
		},
	}
}

func run(ctx context.Context, opts *Options) error {
	manifests.WarnBlastRadius(opts.IO.ErrOut, opts.Dir, opts.Group, false)
	call := opts.Globals.Call(opts.IO.CanPrompt())
	call.ConfirmName = opts.ConfirmName
	return cmdutil.Mutate(ctx, opts.Session, opts.Globals, plugin.MutationRequest{Call: call, Operation: plugin.OpGroupDelete, Group: opts.Group})
}
