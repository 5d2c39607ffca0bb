package cmdutil

import (
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/render"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// The global flag names.
const (
	FlagHost    = "host"
	FlagOutput  = outputFlag // Normalize reports its value
	FlagYes     = "yes"
	FlagDryRun  = "dry-run"
	FlagPolicy  = "policy"
	FlagDebug   = "debug"
	FlagTimeout = "timeout"
	FlagVersion = versionFlag // Normalize turns it into the version command
)

// GlobalFlags are the flags of the tree's top level, which Normalize
// accepts before or after the command words. Every call returns new flags:
// urfave/cli keeps what it parsed in them.
func GlobalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: FlagHost, Usage: "TrueFoundry base `URL` (default: TFY_BASE_URL, TFY_HOST, the host stored at login)"},
		&cli.StringFlag{Name: FlagOutput, Aliases: []string{"o"}, Value: string(render.Table), Usage: "output `FORMAT`: table, json or yaml"},
		&cli.BoolFlag{Name: FlagYes, Aliases: []string{"y"}, Usage: "confirm mutations without a prompt (needed without a terminal)"},
		&cli.BoolFlag{Name: FlagDryRun, Usage: "print the plan of a mutation and change nothing"},
		&cli.StringFlag{Name: FlagPolicy, Usage: "organisation policy `BUNDLE` evaluated in addition to the defaults (env " + EnvPolicy + ")"},
		&cli.BoolFlag{Name: FlagDebug, Usage: "redacted diagnostics on stderr (env " + EnvDebug + ")"},
		&cli.DurationFlag{Name: FlagTimeout, Usage: "give up on the TrueFoundry API after `DURATION` (e.g. 30s)",
			DefaultText: "0: each API request gives up after 30s, and each step of the command after 5m0s"},
		&cli.BoolFlag{Name: FlagVersion, Aliases: []string{"v"}, Usage: "print the version (alone, without a command)"},
	}
}

// Globals are the global options of one command line, with their
// environment fallbacks. Each command reads them into its own Options
// (ReadGlobals).
type Globals struct {
	Host    string
	Output  render.Format
	Yes     bool
	DryRun  bool
	Policy  string // --policy, else $TFY_SECRETS_POLICY
	Debug   bool   // --debug, else $TFY_DEBUG
	Timeout time.Duration
	CI      bool // $CI: the command runs in a CI system (policy may treat it apart)
}

// ReadGlobals reads the global flags of c's command line. They are the
// flags of the tree's top level (Normalize puts them there), so a command
// flag of the same name (policy build's -o) does not hide them. The
// environment fallbacks are read through lookupEnv rather than urfave/cli's
// EnvVars so that tests can supply the environment without touching the
// process's.
func ReadGlobals(c *cli.Context, lookupEnv func(string) (string, bool)) (Globals, error) {
	top := topLevel(c)
	out, err := render.ParseFormat(top.String(FlagOutput))
	if err != nil {
		return Globals{}, UsageError("-o/--output: %v", err)
	}
	getenv := func(name string) string {
		v, _ := lookupEnv(name)
		return v
	}
	g := Globals{
		Host:    top.String(FlagHost),
		Output:  out,
		Yes:     top.Bool(FlagYes),
		DryRun:  top.Bool(FlagDryRun),
		Policy:  top.String(FlagPolicy),
		Debug:   top.Bool(FlagDebug),
		Timeout: top.Duration(FlagTimeout),
		CI:      isTrue(getenv(EnvCI)),
	}
	if !top.IsSet(FlagPolicy) {
		g.Policy = getenv(EnvPolicy)
	}
	if !top.IsSet(FlagDebug) {
		g.Debug = isTrue(getenv(EnvDebug))
	}
	if g.Timeout < 0 {
		return Globals{}, UsageError("--timeout %s: must not be negative", g.Timeout)
	}
	return g, nil
}

// topLevel is the context of the tree's top level in c's lineage: the
// outermost one of the app (urfave/cli puts an empty one above it).
func topLevel(c *cli.Context) *cli.Context {
	lineage := c.Lineage()
	for i := len(lineage) - 1; i > 0; i-- {
		if lineage[i].App != nil {
			return lineage[i]
		}
	}
	return c
}

// Call describes this invocation for the plugin and its policies;
// interactive is whether a person can be prompted (IOStreams.CanPrompt).
func (g Globals) Call(interactive bool) plugin.Call {
	return plugin.Call{
		Host:        g.Host,
		PolicyPath:  g.Policy,
		Client:      plugin.ClientCLI,
		Interactive: interactive,
		Yes:         g.Yes,
		DryRun:      g.DryRun,
		CI:          g.CI,
		Debug:       g.Debug,
		Timeout:     g.Timeout,
	}
}

// isTrue reads a boolean-ish environment variable the way CI systems set
// them ("true", "1", "yes").
func isTrue(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}
