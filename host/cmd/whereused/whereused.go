// Package whereused implements `where-used`: the manifest locations that
// reference a secret group or one of its keys, so that a rotation or a
// delete shows its blast radius in the repository. It reads files only;
// it never starts the plugin.
package whereused

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/iostreams"
	"github.com/tfy-secrets/tfy-secrets/host/manifests"
	"github.com/tfy-secrets/tfy-secrets/host/render"
)

// Options are the parsed flags and arguments, the global -o included, and
// the streams run works with. where-used never starts the plugin.
type Options struct {
	IO     *iostreams.IOStreams
	Output render.Format
	Target manifests.Target
	Paths  []string
}

// NewCmd builds the command; runF replaces run in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cli.Command {
	return &cli.Command{
		Name:      "where-used",
		Usage:     "List the manifest locations that reference a secret group or key",
		ArgsUsage: "GROUP[:KEY] [PATH...]",
		Description: "GROUP is a group name or TENANT:GROUP; GROUP:KEY, TENANT:GROUP:KEY and a whole\n" +
			"tfy-secret:// reference name one key (GROUP:KEY also matches group KEY of tenant GROUP, as the\n" +
			"two cannot be told apart). PATH is as for manifest check (default: the current directory).\n" +
			"Malformed references count too: they still point at the group. Nothing is asked of TrueFoundry.\n\n" +
			cmdutil.Examples("tfy-secrets where-used payments",
				"tfy-secrets where-used payments:DB_PASSWORD deploy/",
				"tfy-secrets where-used tfy-secret://demo:payments:DB_PASSWORD -o json"),
		Action: func(c *cli.Context) error {
			g, err := cmdutil.ReadGlobals(c, f.LookupEnv)
			if err != nil {
				return err
			}
			args, err := cmdutil.Args(c, 1, -1)
			if err != nil {
				return err
			}
			target, err := manifests.ParseTarget(args[0])
			if err != nil {
				return err
			}
			opts := &Options{IO: f.IOStreams, Output: g.Output, Target: target, Paths: args[1:]}
			if len(opts.Paths) == 0 {
				opts.Paths = []string{"."}
			}
			if runF != nil {
				return runF(c.Context, opts)
			}
			return run(opts)
		},
	}
}

func run(opts *Options) error {
	scan, err := manifests.ScanPaths(opts.Paths, opts.IO.In)
	if err != nil {
		return err
	}
	errOut := opts.IO.ErrOut
	for _, e := range scan.FileErrors() {
		at := e.File
		if e.Line > 0 {
			at = fmt.Sprintf("%s:%d", e.File, e.Line)
		}
		fmt.Fprintf(errOut, "warning: %s: %s; its references are not listed\n", render.Text(at), e.Message)
	}
	uses := scan.Uses(opts.Target)
	if opts.Output != render.Table {
		return render.Document(opts.IO.Out, opts.Output, uses)
	}
	if len(uses.Uses) == 0 {
		fmt.Fprintf(errOut, "no manifest in %s references %s\n", plural(scan.Files(), "file"), opts.Target.About)
		return nil
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 0, 2, ' ', 0)
	for _, u := range uses.Uses {
		fmt.Fprintf(tw, "%s:%d\t%s\t%s\n", render.Text(u.File), u.Line, render.Text(u.Path), render.Text(u.Ref))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write uses: %w", err)
	}
	return nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
