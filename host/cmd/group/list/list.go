// Package list implements `group list` (and the top-level `list`).
// It shows progress only on a terminal and never a value.
package list

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/render"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// Options are the parsed flags, the global ones included, and the
// streams and plugin run works with.
type Options struct {
	cmdutil.Session
	Globals cmdutil.Globals
	Search  string
}

// NewCmd builds the command; runF replaces run in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cli.Command {
	return &cli.Command{
		Name:        "list",
		Aliases:     []string{"ls"},
		Usage:       "List secret groups",
		ArgsUsage:   "[--search TEXT]",
		Description: cmdutil.Examples("tfy-secrets group list", "tfy-secrets group list --search payments -o json"),
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "search", Usage: "only groups whose name contains `TEXT`"},
		},
		Action: func(c *cli.Context) error {
			g, err := cmdutil.ReadGlobals(c, f.LookupEnv)
			if err != nil {
				return err
			}
			if _, err := cmdutil.Args(c, 0, 0); err != nil {
				return err
			}
			opts := &Options{Session: f.Session(g), Globals: g, Search: c.String("search")}
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
	ios := opts.IO
	var groups []plugin.Group
	err = svc.ListGroups(ctx, plugin.ListGroupsRequest{Call: opts.Globals.Call(ios.CanPrompt()), Search: opts.Search}, func(g plugin.Group) error {
		groups = append(groups, g)
		ios.Progress("Fetching secret groups...", len(groups))
		return nil
	})
	ios.StopProgress()
	if err != nil {
		return fmt.Errorf("list groups: %w", err)
	}
	return render.New(opts.Globals.Output, ios.ColorEnabled()).Groups(ios.Out, groups)
}
