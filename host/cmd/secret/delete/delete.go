// Package delete implements `secret delete`: one secret, planned (with the
// blast radius), confirmed and applied.
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
	Secret      string
	ConfirmName string
	// Dir is where the manifests whose references the delete breaks are
	// counted: the working directory.
	Dir string
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
			g, err := cmdutil.ReadGlobals(c, f.LookupEnv)
			if err != nil {
				return err
			}
			args, err := cmdutil.Args(c, 1, 1)
			if err != nil {
				return err
			}
			if err := cmdutil.ValidateSecret(args[0]); err != nil {
				return err
			}
			opts := &Options{Session: f.Session(g), Globals: g, Secret: args[0], ConfirmName: c.String(cmdutil.FlagConfirmName), Dir: "."}
			if runF != nil {
				return runF(c.Context, opts)
			}
			return run(c.Context, opts)
		},
	}
}

func run(ctx context.Context, opts *Options) error {
	manifests.WarnBlastRadius(opts.IO.ErrOut, opts.Dir, opts.Secret, true)
	call := opts.Globals.Call(opts.IO.CanPrompt())
	call.ConfirmName = opts.ConfirmName
	return cmdutil.Mutate(ctx, opts.Session, opts.Globals, plugin.MutationRequest{Call: call, Operation: plugin.OpSecretDelete, Secret: opts.Secret})
}
