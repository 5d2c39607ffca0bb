// Package version implements `version`. It never starts the plugin.
package version

import (
	"context"
	"runtime"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/iostreams"
	"github.com/tfy-secrets/tfy-secrets/host/render"
)

// Options are the global flag the command uses, and what run works with.
type Options struct {
	IO      *iostreams.IOStreams
	Version string // the build's version
	Output  render.Format
}

// NewCmd builds the command; runF replaces run in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cli.Command {
	return &cli.Command{
		Name:        "version",
		Usage:       "Print the version",
		Description: cmdutil.Examples("tfy-secrets version", "tfy-secrets version -o json"),
		Action: func(c *cli.Context) error {
			g, err := cmdutil.ReadGlobals(c, f.LookupEnv)
			if err != nil {
				return err
			}
			if _, err := cmdutil.Args(c, 0, 0); err != nil {
				return err
			}
			opts := &Options{IO: f.IOStreams, Version: f.Version, Output: g.Output}
			if runF != nil {
				return runF(c.Context, opts)
			}
			return run(opts)
		},
	}
}

func run(opts *Options) error {
	return render.New(opts.Output, opts.IO.ColorEnabled()).Version(opts.IO.Out, render.VersionInfo{
		Version: opts.Version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH,
	})
}
