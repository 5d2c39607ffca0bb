// Package create implements `group create` (and the top-level `create`):
// a new group with the values of SOURCES, planned, confirmed and applied.
// Values are read once, here, and cross to the plugin only inside the plan
// request; nothing here prints them.
package create

import (
	"context"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/sources"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// Options are the parsed flags, the global ones included, and arguments,
// and what run works with: the streams, the plugin and the environment
// the values are read from.
type Options struct {
	cmdutil.Session
	LookupEnv   func(string) (string, bool)
	Globals     cmdutil.Globals
	Name        string
	Integration string
	Provider    string
	Sources     []sources.Spec
	ConfirmName string
	Strict      bool // refuse empty values
}

// NewCmd builds the command; runF replaces run in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cli.Command {
	return &cli.Command{
		Name:      "create",
		Usage:     "Create a secret group from environment variables, files, .env files or prompts",
		ArgsUsage: "NAME [--integration ID|FQN] [--provider P] SOURCES...",
		Description: "SOURCES: --from-env KEY, --from-env KEY=VAR, --from-file KEY=PATH (- is stdin),\n" +
			"--from-dotenv PATH, --prompt KEY. Values typed on the command line are refused.\n" +
			"The integration: --integration wins; else the only secret store; else the one of --provider.\n\n" +
			cmdutil.Examples(
				"tfy-secrets group create my-app --from-env DB_PASSWORD --from-env API-KEY=NEW_API_KEY",
				"tfy-secrets group create my-app --provider azure --from-dotenv .env.production",
				"tfy-secrets group create my-app --from-file TLS_KEY=./tls.key --dry-run -o json"),
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "integration", Usage: "secret-store integration `ID|FQN` to create the group in"},
			&cli.StringFlag{Name: "provider", Usage: "pick the integration of `PROVIDER` (aws, azure, gcp, ...)"},
			cmdutil.ConfirmNameFlag(),
		}, sources.Flags()...),
		Action: func(c *cli.Context) error {
			g, err := cmdutil.ReadGlobals(c, f.LookupEnv)
			if err != nil {
				return err
			}
			args, err := cmdutil.Args(c, 1, -1)
			if err != nil {
				return err
			}
			if err := cmdutil.ValidateName(args[0]); err != nil {
				return err
			}
			opts := &Options{
				Session: f.Session(g), LookupEnv: f.LookupEnv, Globals: g,
				Name: args[0], Integration: c.String("integration"), Provider: c.String("provider"),
				ConfirmName: c.String(cmdutil.FlagConfirmName), Strict: c.Bool(sources.FlagStrict),
			}
			if opts.Provider != "" && !slices.Contains(cmdutil.Providers, opts.Provider) {
				return cmdutil.UsageError("unknown --provider %q: use one of %v", opts.Provider, cmdutil.Providers)
			}
			if opts.Sources, err = sources.FromContext(c, args[1:], 2); err != nil {
				return err
			}
			if len(opts.Sources) == 0 {
				return cmdutil.UsageError("a secret group needs at least one secret").
					WithHint("add SOURCES, e.g. --from-env DB_PASSWORD or --from-dotenv .env")
			}
			if runF != nil {
				return runF(c.Context, opts)
			}
			return run(c.Context, opts)
		},
	}
}

func run(ctx context.Context, opts *Options) error {
	changes, err := sources.NewReader(opts.IO, opts.LookupEnv, opts.Globals.Timeout).Read(ctx, opts.Sources)
	if err != nil {
		return err
	}
	if opts.Strict {
		if err := sources.RefuseEmpty(changes); err != nil {
			return err
		}
	}
	call := opts.Globals.Call(opts.IO.CanPrompt())
	call.ConfirmName = opts.ConfirmName
	return cmdutil.Mutate(ctx, opts.Session, opts.Globals, plugin.MutationRequest{
		Call:           call,
		Operation:      plugin.OpGroupCreate,
		Group:          opts.Name,
		IntegrationRef: opts.Integration,
		Provider:       opts.Provider,
		Changes:        changes,
	})
}
