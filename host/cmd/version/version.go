// Package version implements `version`. It never starts the plugin.
package version

import (
	"context"
	"runtime"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/render"
)

// Options are the parsed flags.
type Options struct{}

// NewCmd builds the command; runF replaces run in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cli.Command {
	return &cli.Command{
		Name:        "version",
		Usage:       "Print the version",
		Description: cmdutil.Examples("tfy-secrets version", "tfy-secrets version -o json"),
		Action: func(c *cli.Context) error {
			if _, err := cmdutil.Args(c, 0, 0); err != nil {
				return err
			}
			opts := &Options{}
			if runF != nil {
				return runF(c.Context, opts)
			}
			return run(f)
		},
	}
}

func run(f *cmdutil.Factory) error {
	return f.Renderer().Version(f.IOStreams.Out, render.VersionInfo{
		Version: f.Version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH,
	})
}
