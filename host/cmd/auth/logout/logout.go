// Package logout implements `auth logout`: the plugin removes the key it
// stored at login for the host.
// It must not touch the keyring itself: only the plugin holds keys.
package logout

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
)

// Options are the parsed flags (the host comes from the global --host).
type Options struct{}

// NewCmd builds the command; runF replaces run in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cli.Command {
	return &cli.Command{
		Name:        "logout",
		Usage:       "Remove the stored API key for a host",
		ArgsUsage:   "[--host URL]",
		Description: cmdutil.Examples("tfy-secrets auth logout", "tfy-secrets auth logout --host https://acme.truefoundry.cloud"),
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
	st, err := svc.Logout(ctx, f.Call())
	if err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	_, _ = fmt.Fprintf(f.IOStreams.ErrOut, "Logged out of %s: its stored API key was removed.\n", st.Host)
	return nil
}
