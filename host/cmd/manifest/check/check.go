// Package check implements `manifest check`: it reads manifests, checks
// every tfy-secret:// reference against the store (through the plugin,
// one lookup per group, no value read) and reports plaintext that looks
// like a credential.
package check

import (
	"context"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/manifests"
	"github.com/tfy-secrets/tfy-secrets/host/render"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// The flag names.
const (
	FlagStrict = "strict"
	FlagFormat = "format"
)

// Options are the parsed arguments.
type Options struct {
	Paths  []string
	Strict bool
	Format manifests.Format
}

// NewCmd builds the command; runF replaces run in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cli.Command {
	return &cli.Command{
		Name:      "check",
		Usage:     "Check manifests' tfy-secret:// references against the store and find plaintext credentials",
		ArgsUsage: "PATH... [--strict] [--format text|github|sarif]",
		Description: "PATH is a manifest file, a directory (its *.yaml and *.yml files, at any depth, hidden\n" +
			"directories and Helm chart templates left out) or - for stdin. Every reference is checked:\n" +
			"its form, its tenant, its group and its key; no value is read. Plaintext that looks like a\n" +
			"credential is a warning, an error with --strict. Exit status 10 when a reference is broken,\n" +
			"a file is not YAML, or (with --strict) a credential is in plaintext.\n\n" +
			cmdutil.Examples("tfy-secrets manifest check truefoundry.yaml",
				"tfy-secrets manifest check deploy/ --strict",
				"tfy-secrets manifest check . --format github",
				"tfy-secrets manifest check . --format sarif > tfy-secrets.sarif",
				"tfy-secrets manifest check - -o json < truefoundry.yaml"),
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: FlagStrict, Usage: "fail (exit 10) on plaintext credentials too, not only on broken references"},
			&cli.StringFlag{Name: FlagFormat, Value: string(manifests.FormatText),
				Usage: "findings as `FORMAT`: text (compiler-style lines), github (workflow annotations) or sarif (code scanning)"},
		},
		Action: func(c *cli.Context) error {
			args, err := cmdutil.Args(c, 1, -1)
			if err != nil {
				return err
			}
			format, err := manifests.ParseFormat(c.String(FlagFormat))
			if err != nil {
				return cmdutil.UsageError("--format: %v", err)
			}
			if format != manifests.FormatText && f.Globals.Output != render.Table {
				return cmdutil.UsageError("--format %s and -o %s are two outputs: choose one", format, f.Globals.Output)
			}
			opts := &Options{Paths: args, Strict: c.Bool(FlagStrict), Format: format}
			if runF != nil {
				return runF(c.Context, opts)
			}
			return run(c.Context, f, opts)
		},
	}
}

func run(ctx context.Context, f *cmdutil.Factory, opts *Options) error {
	files, err := manifests.Expand(opts.Paths)
	if err != nil {
		return err
	}
	var scan manifests.Scan
	for _, file := range files {
		data, err := file.Read(f.IOStreams.In)
		if err := scan.Add(file.Name, data, err); err != nil {
			return err
		}
	}
	if len(files) == 0 {
		fmt.Fprintf(f.IOStreams.ErrOut, "warning: no *.yaml or *.yml files under %s: nothing was checked\n", shownPaths(opts.Paths))
	}
	var answer plugin.CheckRefsResult
	if scan.HasReferences() {
		svc, err := f.Service(ctx)
		if err != nil {
			return err
		}
		answer, err = svc.CheckRefs(ctx, plugin.CheckRefsRequest{Call: f.Call(), Groups: scan.Groups()})
		if err != nil {
			return fmt.Errorf("manifest check: %w", err)
		}
	}
	report := scan.Check(answer, opts.Strict)
	out := f.IOStreams.Out
	switch {
	case f.Globals.Output != render.Table:
		err = render.Document(out, f.Globals.Output, report)
	case opts.Format == manifests.FormatGitHub:
		err = report.WriteGitHub(out)
	case opts.Format == manifests.FormatSARIF:
		err = report.WriteSARIF(out, f.Version)
	default:
		err = report.WriteText(out, f.IOStreams.ColorEnabled())
	}
	if err != nil {
		return err
	}
	if report.Failed() {
		// The report said why, on stdout; an error line would repeat it.
		return &cmdutil.ExitStatus{Code: failure.CheckFailed.ExitCode()}
	}
	return nil
}

// shownPaths lists PATH arguments for a message, hiding what follows an
// '=' as every message about the command line does: a KEY=VALUE typed in
// the wrong place must not come back out.
func shownPaths(paths []string) string {
	shown := make([]string, len(paths))
	for i, p := range paths {
		shown[i] = render.Text(failure.Word(p))
	}
	return strings.Join(shown, ", ")
}
