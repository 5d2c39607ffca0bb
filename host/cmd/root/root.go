// Package root assembles the tfy-secrets command tree: the global flags,
// every verb package and the top-level aliases of the group verbs.
//
// It wires; it does not run commands, print errors or choose exit codes
// (package host does).
package root

import (
	"fmt"
	"strings"
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
	manifestcheck "github.com/tfy-secrets/tfy-secrets/host/cmd/manifest/check"
	policybuild "github.com/tfy-secrets/tfy-secrets/host/cmd/policy/build"
	policyeval "github.com/tfy-secrets/tfy-secrets/host/cmd/policy/eval"
	policyshow "github.com/tfy-secrets/tfy-secrets/host/cmd/policy/show"
	policytest "github.com/tfy-secrets/tfy-secrets/host/cmd/policy/test"
	"github.com/tfy-secrets/tfy-secrets/host/cmd/ref"
	secretdelete "github.com/tfy-secrets/tfy-secrets/host/cmd/secret/delete"
	secretget "github.com/tfy-secrets/tfy-secrets/host/cmd/secret/get"
	secretversions "github.com/tfy-secrets/tfy-secrets/host/cmd/secret/versions"
	"github.com/tfy-secrets/tfy-secrets/host/cmd/version"
	"github.com/tfy-secrets/tfy-secrets/host/cmd/whereused"
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
	FlagVersion = "version" // cmdutil.Normalize turns it into the version command
)

func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: FlagHost, Usage: "TrueFoundry base `URL` (default: TFY_BASE_URL, TFY_HOST, the host stored at login)"},
		&cli.StringFlag{Name: FlagOutput, Aliases: []string{"o"}, Value: string(render.Table), Usage: "output `FORMAT`: table, json or yaml"},
		&cli.BoolFlag{Name: FlagYes, Aliases: []string{"y"}, Usage: "confirm mutations without a prompt (needed without a terminal)"},
		&cli.BoolFlag{Name: FlagDryRun, Usage: "print the plan of a mutation and change nothing"},
		&cli.StringFlag{Name: FlagPolicy, Usage: "organisation policy `BUNDLE` evaluated in addition to the defaults (env " + cmdutil.EnvPolicy + ")"},
		&cli.BoolFlag{Name: FlagDebug, Usage: "redacted diagnostics on stderr (env " + cmdutil.EnvDebug + ")"},
		&cli.DurationFlag{Name: FlagTimeout, Usage: "give up on the TrueFoundry API after `DURATION` (e.g. 30s)",
			DefaultText: "0: each API request gives up after 30s, and each step of the command after 5m0s"},
		&cli.BoolFlag{Name: FlagVersion, Aliases: []string{"v"}, Usage: "print the version (alone, without a command)"},
	}
}

// rootAction runs for a bare `tfy-secrets` (the same help as --help) and
// for positionals after `--`, which can only be a mistake.
func rootAction(c *cli.Context) error {
	if c.Args().Present() {
		return cmdutil.UnknownCommand([]string{c.App.Name}, c.Args().First(), c.App.Commands)
	}
	return cli.ShowAppHelp(c)
}

// groupAction is the Action of a command that only groups others: a bare
// `tfy-secrets group` shows its help.
func groupAction(c *cli.Context) error {
	if c.Args().Present() {
		path := append([]string{c.App.Name}, strings.Fields(c.Command.FullName())...)
		return cmdutil.UnknownCommand(path, c.Args().First(), c.Command.Subcommands)
	}
	return cli.ShowSubcommandHelp(c)
}

// usageError turns what urfave/cli still reports itself into exit-2 usage
// failures. cmdutil.Normalize checks flags before urfave/cli parses them,
// so this only catches what it does not foresee.
func usageError(_ *cli.Context, err error, _ bool) error {
	return cmdutil.UsageError("%v", err)
}

// NewApp builds the command tree over f. name is what the user typed to
// run it: "tfy-secrets", or "tfy secrets" through the shim; help, usage
// lines and examples use it.
func NewApp(f *cmdutil.Factory, name string) *cli.App {
	app := &cli.App{
		Name:                      name,
		Usage:                     "safe, scriptable TrueFoundry secret groups",
		UsageText:                 name + " [global flags] COMMAND [flags] [args]",
		Version:                   f.Version,
		HideVersion:               true,
		HideHelpCommand:           true,
		DisableSliceFlagSeparator: true,
		Writer:                    f.IOStreams.Out,
		ErrWriter:                 f.IOStreams.ErrOut,
		// urfave/cli adds its help flag only to an app without a `help`
		// command, and this tree has one.
		Flags:        append(globalFlags(), cli.HelpFlag),
		OnUsageError: usageError,
		// Exit codes are chosen in one place (package host); urfave/cli
		// must never call os.Exit itself.
		ExitErrHandler: func(*cli.Context, error) {},
		Description: "Values enter only through environment variables, files, stdin, .env files or hidden\n" +
			"prompts, are never displayed, and every change is planned and confirmed.\n\n" +
			cmdutil.Examples(
				"tfy-secrets auth login",
				"tfy-secrets group list",
				"tfy-secrets group create my-app --from-env DB_PASSWORD",
				"tfy-secrets group update my-app --prompt API-KEY --unset OLD-KEY",
				"tfy-secrets ref my-app DB_PASSWORD",
				"tfy-secrets help group update"),
		Before:                func(c *cli.Context) error { return readGlobals(c, f) },
		Action:                rootAction,
		CustomAppHelpTemplate: appHelpTemplate,
	}
	group := func(name, usage, examples string, cmds ...*cli.Command) *cli.Command {
		return &cli.Command{Name: name, Usage: usage, Description: examples, Subcommands: cmds, Action: groupAction}
	}
	alias := func(c *cli.Command, of string) *cli.Command {
		c.Usage = "Alias of `group " + of + "`: " + c.Usage
		c.Category = "Aliases"
		return c
	}
	app.Commands = []*cli.Command{
		group("auth", "Log in, log out, show the credentials in use",
			cmdutil.Examples("tfy-secrets auth login --host https://acme.truefoundry.cloud", "tfy-secrets auth status", "tfy-secrets auth logout"),
			login.NewCmd(f, nil), logout.NewCmd(f, nil), status.NewCmd(f, nil)),
		group("integration", "Secret-store integrations",
			cmdutil.Examples("tfy-secrets integration list", "tfy-secrets integration list --provider azure -o json"),
			integrationlist.NewCmd(f, nil)),
		group("group", "Secret groups: list, get, create, update, delete",
			cmdutil.Examples("tfy-secrets group list", "tfy-secrets group get my-app",
				"tfy-secrets group create my-app --from-env DB_PASSWORD",
				"tfy-secrets group update my-app --from-dotenv .env --unset OLD-KEY",
				"tfy-secrets group delete my-app"),
			grouplist.NewCmd(f, nil), groupget.NewCmd(f, nil), groupcreate.NewCmd(f, nil), groupupdate.NewCmd(f, nil), groupdelete.NewCmd(f, nil)),
		group("secret", "Single secrets: get, delete, versions",
			cmdutil.Examples("tfy-secrets secret get my-app:DB_PASSWORD", "tfy-secrets secret versions my-app:DB_PASSWORD",
				"tfy-secrets secret delete my-app:OLD-KEY"),
			secretget.NewCmd(f, nil), secretdelete.NewCmd(f, nil), secretversions.NewCmd(f, nil)),
		ref.NewCmd(f, nil),
		group("manifest", "Check the secret references of TrueFoundry manifests",
			cmdutil.Examples("tfy-secrets manifest check truefoundry.yaml", "tfy-secrets manifest check deploy/ --strict --format github"),
			manifestcheck.NewCmd(f, nil)),
		whereused.NewCmd(f, nil),
		group("policy", "Show, test, build and evaluate policies",
			cmdutil.Examples("tfy-secrets policy show", "tfy-secrets policy test ./org-policy",
				"tfy-secrets policy build ./org-policy --out org.tar.gz", "tfy-secrets policy eval --input input.json"),
			policyshow.NewCmd(f, nil), policytest.NewCmd(f, nil), policybuild.NewCmd(f, nil), policyeval.NewCmd(f, nil)),
		version.NewCmd(f, nil),
		completion.NewCmd(f, nil),
		helpCmd(),
		alias(grouplist.NewCmd(f, nil), "list"),
		alias(groupget.NewCmd(f, nil), "get"),
		alias(groupcreate.NewCmd(f, nil), "create"),
		alias(groupupdate.NewCmd(f, nil), "update"),
		alias(groupdelete.NewCmd(f, nil), "delete"),
	}
	for _, fl := range app.Flags {
		if b, ok := fl.(*cli.BoolFlag); ok {
			b.DisableDefaultText = true
		}
	}
	if name != binaryName {
		app.Description = strings.ReplaceAll(app.Description, binaryName+" ", name+" ")
	}
	prepare(app.Commands, name, globalSummary(name, app.Flags))
	return app
}

// helpCmd is `help [COMMAND...]`. cmdutil.Normalize runs it as
// `COMMAND... --help`, so its Action is reached only through `--`.
func helpCmd() *cli.Command {
	return &cli.Command{
		Name:        cmdutil.HelpCommand,
		Usage:       "Show help for a command",
		ArgsUsage:   "[COMMAND...]",
		Description: cmdutil.Examples("tfy-secrets help", "tfy-secrets help group update"),
		Action:      func(c *cli.Context) error { return cli.ShowAppHelp(c) },
	}
}

// prepare gives every command the host's habits: usage errors of exit 2,
// no urfave/cli `help` subcommand (the tree has its own), bool flags
// without "(default: false)", help templates that show the global flags,
// and examples that name the program as it was invoked.
func prepare(cmds []*cli.Command, name, globals string) {
	for _, c := range cmds {
		c.OnUsageError = usageError
		c.HideHelpCommand = true
		if name != binaryName {
			c.Description = strings.ReplaceAll(c.Description, binaryName+" ", name+" ")
		}
		for _, fl := range c.Flags {
			if b, ok := fl.(*cli.BoolFlag); ok {
				b.DisableDefaultText = true
			}
		}
		if len(c.Subcommands) > 0 {
			c.CustomHelpTemplate = groupHelpTemplate + globals
		} else {
			c.CustomHelpTemplate = commandHelpTemplate + globals
		}
		prepare(c.Subcommands, name, globals)
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
