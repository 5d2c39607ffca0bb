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

// Options are the parsed global flags (the host is --host), and the
// streams and plugin run works with.
type Options struct {
	cmdutil.Session
	Globals cmdutil.Globals
}

// NewCmd builds the command; runF replaces run in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cli.Command {
	return &cli.Command{
		Name:        "logout",
		Usage:       "Remove the stored API key for a host",
		ArgsUsage:   "[--host URL]",
		Description: cmdutil.Examples("tfy-secrets auth logout", "tfy-secrets auth logout --host https://acme.truefoundry.cloud"),
		Action: func(c *cli.Context) error {
			g, err := cmdutil.ReadGlobals(c, f.LookupEnv)
			if err != nil {
				return err
			}
			if _, err := cmdutil.Args(c, 0, 0); err != nil {
				return err
			}
			opts := &Options{Session: f.Session(g), Globals: g}
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
	st, err := svc.Logout(ctx, opts.Globals.Call(opts.IO.CanPrompt()))
	if err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	_, _ = fmt.Fprintf(opts.IO.ErrOut, "Logged out of %s: its stored API key was removed.\n", st.Host)
	return nil
}
