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
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// Options are the parsed flags and arguments.
type Options struct {
	Group       string
	ConfirmName string
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
			args, err := cmdutil.Args(c, 1, 1)
			if err != nil {
				return err
			}
			if err := cmdutil.ValidateGroup(args[0]); err != nil {
				return err
			}
			opts := &Options{Group: args[0], ConfirmName: c.String(cmdutil.FlagConfirmName)}
			if runF != nil {
				return runF(c.Context, opts)
			}
			return run(c.Context, f, opts)
		},
	}
}

func run(ctx context.Context, f *cmdutil.Factory, opts *Options) error {
	call := f.Call()
	call.ConfirmName = opts.ConfirmName
	return cmdutil.Mutate(ctx, f.Session(f.Globals), f.Globals, plugin.MutationRequest{Call: call, Operation: plugin.OpGroupDelete, Group: opts.Group})
}
