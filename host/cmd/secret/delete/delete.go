// Package delete implements `secret delete`: one secret, planned (with the
// blast radius), confirmed and applied.
// It writes nothing itself: the plugin applies the plan after the
// confirmation.
package delete

import (
	"context"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// Options are the parsed arguments.
type Options struct {
	Secret      string
	ConfirmName string
}

// NewCmd builds the command; runF replaces run in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cli.Command {
	return &cli.Command{
		Name:        "delete",
		Usage:       "Delete one secret from its group",
		ArgsUsage:   "SECRET [--confirm-name NAME]",
		Description: cmdutil.Examples("tfy-secrets secret delete my-app:OLD-KEY", "tfy-secrets secret delete my-app:OLD-KEY --yes"),
		Flags:       []cli.Flag{cmdutil.ConfirmNameFlag()},
		Action: func(c *cli.Context) error {
			args, err := cmdutil.Args(c, 1, 1)
			if err != nil {
				return err
			}
			if err := cmdutil.ValidateSecret(args[0]); err != nil {
				return err
			}
			opts := &Options{Secret: args[0], ConfirmName: c.String(cmdutil.FlagConfirmName)}
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
	return cmdutil.Mutate(ctx, f.Session(f.Globals), f.Globals, plugin.MutationRequest{Call: call, Operation: plugin.OpSecretDelete, Secret: opts.Secret})
}
