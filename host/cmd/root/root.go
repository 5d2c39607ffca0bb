// Package root assembles the tfy-secrets command tree: the global flags,
// every verb package and the top-level aliases of the group verbs.
//
// It wires; it does not run commands, print errors or choose exit codes
// (package host does).
package root

import (
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmd/auth/login"
	"github.com/tfy-secrets/tfy-secrets/host/cmd/auth/logout"
	"github.com/tfy-secrets/tfy-secrets/host/cmd/auth/status"
	"github.com/tfy-secrets/tfy-secrets/host/cmd/completion"
	groupcreate "github.com/tfy-secrets/tfy-secrets/host/cmd/group/create"
	groupdelete "github.com/tfy-secrets/tfy-secrets/host/cmd/group/delete"
	groupget "github.com/tfy-secrets/tfy-secrets/host/cmd/group/get"
	grouplist "github.com/tfy-secrets/tfy-secrets/host/cmd/group/list"
	groupupdate "github.com/tfy-secrets/tfy-secrets/host/cmd/group/update"
	integrationlist "github.com/tfy-secrets/tfy-secrets/host/cmd/integration/list"
	policybuild "github.com/tfy-secrets/tfy-secrets/host/cmd/policy/build"
	policyeval "github.com/tfy-secrets/tfy-secrets/host/cmd/policy/eval"
	policyshow "github.com/tfy-secrets/tfy-secrets/host/cmd/policy/show"
	policytest "github.com/tfy-secrets/tfy-secrets/host/cmd/policy/test"
	"github.com/tfy-secrets/tfy-secrets/host/cmd/ref"
	secretdelete "github.com/tfy-secrets/tfy-secrets/host/cmd/secret/delete"
	secretget "github.com/tfy-secrets/tfy-secrets/host/cmd/secret/get"
	secretversions "github.com/tfy-secrets/tfy-secrets/host/cmd/secret/versions"
	"github.com/tfy-secrets/tfy-secrets/host/cmd/version"
	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/render"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

// The global flag names.
const (
	FlagHost    = "host"
	FlagOutput  = "output" // cmdutil.Normalize knows this name too
	FlagYes     = "yes"
	FlagDryRun  = "dry-run"
	FlagPolicy  = "policy"
	FlagDebug   = "debug"
	FlagTimeout = "timeout"
)

func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: FlagHost, Usage: "TrueFoundry base `URL` (default: TFY_BASE_URL, TFY_HOST, the host stored at login)"},
		&cli.StringFlag{Name: FlagOutput, Aliases: []string{"o"}, Value: string(render.Table), Usage: "output `FORMAT`: table, json or yaml"},
		&cli.BoolFlag{Name: FlagYes, Aliases: []string{"y"}, Usage: "confirm mutations without a prompt (needed without a terminal)"},
		&cli.BoolFlag{Name: FlagDryRun, Usage: "print the plan of a mutation and change nothing"},
		&cli.StringFlag{Name: FlagPolicy, Usage: "organisation policy `BUNDLE` evaluated in addition to the defaults (env " + cmdutil.EnvPolicy + ")"},
		&cli.BoolFlag{Name: FlagDebug, Usage: "redacted diagnostics on stderr (env " + cmdutil.EnvDebug + ")"},
		&cli.DurationFlag{Name: FlagTimeout, Usage: "give up on the TrueFoundry API after `DURATION` (e.g. 30s)"},
	}
}

// subcommandOnly is the Action of a command that only groups others: a
// bare `tfy-secrets group` shows help, an unknown word is a usage error.
func subcommandOnly(c *cli.Context) error {
	if c.Args().Present() {
		return cmdutil.UsageError("unknown command %q for %q", c.Args().First(), c.Command.FullName()).
			WithHint("run `%s --help` for the commands", c.Command.HelpName)
	}
	return cli.ShowSubcommandHelp(c)
}

// usageError turns urfave/cli's flag errors into exit-2 usage failures.
func usageError(_ *cli.Context, err error, _ bool) error {
	return cmdutil.UsageError("%v", err)
}

// NewApp builds the command tree over f.
func NewApp(f *cmdutil.Factory, name string) *cli.App {
	app := &cli.App{
		Name:                      name,
		Usage:                     "safe, scriptable TrueFoundry secret groups",
		UsageText:                 name + " [global flags] COMMAND [flags] [args]",
		Version:                   f.Version,
		HideVersion:               true,
		HideHelpCommand:           true,
		EnableBashCompletion:      true,
		DisableSliceFlagSeparator: true,
		Suggest:                   true,
		Writer:                    f.IOStreams.Out,
		ErrWriter:                 f.IOStreams.ErrOut,
		Flags:                     globalFlags(),
		OnUsageError:              usageError,
		// Exit codes are chosen in one place (package host); urfave/cli
		// must never call os.Exit itself.
		ExitErrHandler: func(*cli.Context, error) {},
		Description: "Values enter only through environment variables, files, stdin, .env files or hidden\n" +
			"prompts, are never displayed, and every change is planned and confirmed.\n\n" +
			cmdutil.Examples(
				name+" auth login",
				name+" group list",
				name+" group create my-app --from-env DB_PASSWORD",
				name+" group update my-app --prompt API-KEY --unset OLD-KEY",
				name+" ref my-app DB_PASSWORD"),
		Before: func(c *cli.Context) error { return readGlobals(c, f) },
		Action: subcommandOnly,
	}
	group := func(name, usage string, cmds ...*cli.Command) *cli.Command {
		return &cli.Command{Name: name, Usage: usage, Subcommands: cmds, Action: subcommandOnly, HideHelpCommand: true}
	}
	alias := func(c *cli.Command, of string) *cli.Command {
		c.Usage = "Alias of `group " + of + "`: " + c.Usage
		c.Category = "Aliases"
		return c
	}
	app.Commands = []*cli.Command{
		group("auth", "Log in, log out, show the credentials in use",
			login.NewCmd(f, nil), logout.NewCmd(f, nil), status.NewCmd(f, nil)),
		group("integration", "Secret-store integrations",
			integrationlist.NewCmd(f, nil)),
		group("group", "Secret groups: list, get, create, update, delete",
			grouplist.NewCmd(f, nil), groupget.NewCmd(f, nil), groupcreate.NewCmd(f, nil), groupupdate.NewCmd(f, nil), groupdelete.NewCmd(f, nil)),
		group("secret", "Single secrets: get, delete, versions",
			secretget.NewCmd(f, nil), secretdelete.NewCmd(f, nil), secretversions.NewCmd(f, nil)),
		ref.NewCmd(f, nil),
		group("policy", "Show, test, build and evaluate policies",
			policyshow.NewCmd(f, nil), policytest.NewCmd(f, nil), policybuild.NewCmd(f, nil), policyeval.NewCmd(f, nil)),
		version.NewCmd(f, nil),
		completion.NewCmd(f, nil),
		alias(grouplist.NewCmd(f, nil), "list"),
		alias(groupget.NewCmd(f, nil), "get"),
		alias(groupcreate.NewCmd(f, nil), "create"),
		alias(groupupdate.NewCmd(f, nil), "update"),
		alias(groupdelete.NewCmd(f, nil), "delete"),
	}
	setUsageErrors(app.Commands)
	return app
}

// globalHelp ends every command's help: urfave/cli/v2 shows the app's
// flags only in the top-level help, and `group list --help` readers need to
// know -o json exists.
const globalHelp = `
GLOBAL FLAGS (before or after the command words):
   --host URL  -o, --output table|json|yaml  -y, --yes  --dry-run
   --policy BUNDLE  --debug  --timeout DURATION
`

func setUsageErrors(cmds []*cli.Command) {
	for _, c := range cmds {
		c.OnUsageError = usageError
		if len(c.Subcommands) == 0 {
			c.CustomHelpTemplate = cli.CommandHelpTemplate + globalHelp
		}
		setUsageErrors(c.Subcommands)
	}
}

// readGlobals fills f.Globals. The environment fallbacks are read here
// rather than through urfave/cli's EnvVars so that tests can supply the
// environment without touching the process's.
func readGlobals(c *cli.Context, f *cmdutil.Factory) error {
	out, err := render.ParseFormat(c.String(FlagOutput))
	if err != nil {
		return cmdutil.UsageError("-o/--output: %v", err)
	}
	g := cmdutil.Globals{
		Host:    c.String(FlagHost),
		Output:  out,
		Yes:     c.Bool(FlagYes),
		DryRun:  c.Bool(FlagDryRun),
		Policy:  c.String(FlagPolicy),
		Debug:   c.Bool(FlagDebug),
		Timeout: c.Duration(FlagTimeout),
	}
	if !c.IsSet(FlagPolicy) {
		g.Policy = f.Getenv(cmdutil.EnvPolicy)
	}
	if !c.IsSet(FlagDebug) {
		g.Debug = f.EnvTrue(cmdutil.EnvDebug)
	}
	if g.Timeout < 0 {
		return cmdutil.UsageError("--timeout %s: must not be negative", g.Timeout)
	}
	f.Globals = g
	if g.Debug {
		_, _ = fmt.Fprintf(f.IOStreams.ErrOut, "debug: host %s, output %s, timeout %s, policy bundle %q\n",
			failure.Word(orDefault(g.Host)), g.Output, timeoutText(g.Timeout), failure.Word(g.Policy))
	}
	return nil
}

func orDefault(s string) string {
	if s == "" {
		return "(resolved by the plugin)"
	}
	return s
}

func timeoutText(d time.Duration) string {
	if d == 0 {
		return "(default)"
	}
	return d.String()
}
