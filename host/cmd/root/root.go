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
	manifestmigrate "github.com/tfy-secrets/tfy-secrets/host/cmd/manifest/migrate"
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
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

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
		Flags:        append(cmdutil.GlobalFlags(), cli.HelpFlag),
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
	talks := map[*cli.Command]bool{}
	app.Metadata = map[string]any{pluginMetadata: talks}
	// plugin declares a command whose run talks to the plugin.
	plugin := func(c *cli.Command) *cli.Command {
		talks[c] = true
		return c
	}
	app.Commands = []*cli.Command{
		group("auth", "Log in, log out, show the credentials in use",
			cmdutil.Examples("tfy-secrets auth login --host https://acme.truefoundry.cloud", "tfy-secrets auth status", "tfy-secrets auth logout"),
			plugin(login.NewCmd(f, nil)), plugin(logout.NewCmd(f, nil)), plugin(status.NewCmd(f, nil))),
		group("integration", "Secret-store integrations",
			cmdutil.Examples("tfy-secrets integration list", "tfy-secrets integration list --provider azure -o json"),
			plugin(integrationlist.NewCmd(f, nil))),
		group("group", "Secret groups: list, get, create, update, delete",
			cmdutil.Examples("tfy-secrets group list", "tfy-secrets group get my-app",
				"tfy-secrets group create my-app --from-env DB_PASSWORD",
				"tfy-secrets group update my-app --from-dotenv .env --unset OLD-KEY",
				"tfy-secrets group delete my-app"),
			plugin(grouplist.NewCmd(f, nil)), plugin(groupget.NewCmd(f, nil)), plugin(groupcreate.NewCmd(f, nil)),
			plugin(groupupdate.NewCmd(f, nil)), plugin(groupdelete.NewCmd(f, nil))),
		group("secret", "Single secrets: get, delete, versions",
			cmdutil.Examples("tfy-secrets secret get my-app:DB_PASSWORD", "tfy-secrets secret versions my-app:DB_PASSWORD",
				"tfy-secrets secret delete my-app:OLD-KEY"),
			plugin(secretget.NewCmd(f, nil)), plugin(secretdelete.NewCmd(f, nil)), plugin(secretversions.NewCmd(f, nil))),
		plugin(ref.NewCmd(f, nil)),
		group("manifest", "Check the secret references of TrueFoundry manifests, and move their credentials into secret groups",
			cmdutil.Examples("tfy-secrets manifest check truefoundry.yaml", "tfy-secrets manifest check deploy/ --strict --format github",
				"tfy-secrets manifest migrate truefoundry.yaml --group my-app --dry-run"),
			plugin(manifestcheck.NewCmd(f, nil)), plugin(manifestmigrate.NewCmd(f, nil))),
		whereused.NewCmd(f, nil),
		group("policy", "Show, test, build and evaluate policies",
			cmdutil.Examples("tfy-secrets policy show", "tfy-secrets policy test ./org-policy",
				"tfy-secrets policy build ./org-policy --out org.tar.gz", "tfy-secrets policy eval --input input.json"),
			// test and build run the policy tool, which links OPA, instead.
			plugin(policyshow.NewCmd(f, nil)), policytest.NewCmd(f, nil), policybuild.NewCmd(f, nil), plugin(policyeval.NewCmd(f, nil))),
		version.NewCmd(f, nil),
		completion.NewCmd(f, nil),
		helpCmd(),
		alias(plugin(grouplist.NewCmd(f, nil)), "list"),
		alias(plugin(groupget.NewCmd(f, nil)), "get"),
		alias(plugin(groupcreate.NewCmd(f, nil)), "create"),
		alias(plugin(groupupdate.NewCmd(f, nil)), "update"),
		alias(plugin(groupdelete.NewCmd(f, nil)), "delete"),
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

// pluginMetadata is the App.Metadata entry of the commands whose run talks
// to the plugin (UsesPlugin).
const pluginMetadata = "tfy-secrets/uses-plugin"

// UsesPlugin reports whether cmd, a command of app's tree, talks to the
// plugin when it runs, as NewApp declares for each command. The early start
// of cmd/tfy-secrets/internal/prestart, which must decide before this tree
// can be built, runs on tables generated from it; its tests run every
// command to check the declaration.
func UsesPlugin(app *cli.App, cmd *cli.Command) bool {
	talks, _ := app.Metadata[pluginMetadata].(map[*cli.Command]bool)
	return talks[cmd]
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

// readGlobals checks the global options and, with --debug, says what
// they are; every command reads them again into its own Options.
func readGlobals(c *cli.Context, f *cmdutil.Factory) error {
	g, err := cmdutil.ReadGlobals(c, f.LookupEnv)
	if err != nil {
		return err
	}
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
