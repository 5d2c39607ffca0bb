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

// Options are the parsed flags, the global ones included, and arguments,
// and the streams and plugin run works with.
type Options struct {
	cmdutil.Session
	Globals cmdutil.Globals
	Version string // the build's, for SARIF's tool section
	Paths   []string
	Strict  bool
	Format  manifests.Format
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
			g, err := cmdutil.ReadGlobals(c, f.LookupEnv)
			if err != nil {
				return err
			}
			args, err := cmdutil.Args(c, 1, -1)
			if err != nil {
				return err
			}
			format, err := manifests.ParseFormat(c.String(FlagFormat))
			if err != nil {
				return cmdutil.UsageError("--format: %v", err)
			}
			if format != manifests.FormatText && g.Output != render.Table {
				return cmdutil.UsageError("--format %s and -o %s are two outputs: choose one", format, g.Output)
			}
			opts := &Options{Session: f.Session(g), Globals: g, Version: f.Version, Paths: args, Strict: c.Bool(FlagStrict), Format: format}
			if runF != nil {
				return runF(c.Context, opts)
			}
			return run(c.Context, opts)
		},
	}
}

func run(ctx context.Context, opts *Options) error {
	scan, err := manifests.ScanPaths(opts.Paths, opts.IO.In)
	if err != nil {
		return err
	}
	if scan.Files() == 0 {
		fmt.Fprintf(opts.IO.ErrOut, "warning: no *.yaml or *.yml files under %s: nothing was checked\n", shownPaths(opts.Paths))
	}
	var answer plugin.CheckRefsResult
	if scan.HasReferences() {
		svc, err := opts.Service(ctx)
		if err != nil {
			return err
		}
		answer, err = svc.CheckRefs(ctx, plugin.CheckRefsRequest{Call: opts.Globals.Call(opts.IO.CanPrompt()), Groups: scan.Groups()})
		if err != nil {
			return fmt.Errorf("manifest check: %w", err)
		}
	}
	report := scan.Check(answer, opts.Strict)
	out := opts.IO.Out
	switch {
	case opts.Globals.Output != render.Table:
		err = render.Document(out, opts.Globals.Output, report)
	case opts.Format == manifests.FormatGitHub:
		err = report.WriteGitHub(out)
	case opts.Format == manifests.FormatSARIF:
		err = report.WriteSARIF(out, opts.Version)
	default:
		err = report.WriteText(out, opts.IO.ColorEnabled())
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
