// Package update implements `group update` (and the top-level `update`).
// By default it merges: SOURCES add or rotate keys, --unset removes keys,
// every other key is kept. --replace sends exactly SOURCES.
// Values are read once, here, and cross to the plugin only inside the plan
// request; nothing here prints them.
package update

import (
	"context"

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
	Group       string
	Sources     []sources.Spec
	Unset       []string
	Replace     bool
	ConfirmName string
	Strict      bool // refuse empty values
}

// NewCmd builds the command; runF replaces run in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cli.Command {
	return &cli.Command{
		Name:      "update",
		Usage:     "Add, rotate or remove secrets of a group (keeps every other key)",
		ArgsUsage: "GROUP SOURCES... [--unset KEY]... [--replace]",
		Description: "Keys named in SOURCES are added or rotated, --unset keys are removed and every other\n" +
			"key is kept. --replace makes the group exactly SOURCES; the plan lists every key it removes.\n\n" +
			cmdutil.Examples(
				"tfy-secrets group update my-app --from-env DB_PASSWORD",
				"tfy-secrets group update my-app --prompt API-KEY --unset OLD-KEY",
				"tfy-secrets group update my-app --from-dotenv .env --replace --dry-run"),
		Flags: append([]cli.Flag{
			&cli.StringSliceFlag{Name: "unset", Usage: "remove `KEY` from the group (repeatable)"},
			&cli.BoolFlag{Name: "replace", Usage: "make the group exactly SOURCES, removing every other key"},
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
			if err := cmdutil.ValidateGroup(args[0]); err != nil {
				return err
			}
			opts := &Options{
				Session: f.Session(g), LookupEnv: f.LookupEnv, Globals: g,
				Group: args[0], Unset: c.StringSlice("unset"), Replace: c.Bool("replace"),
				ConfirmName: c.String(cmdutil.FlagConfirmName), Strict: c.Bool(sources.FlagStrict),
			}
			if opts.Sources, err = sources.FromContext(c, args[1:], 2); err != nil {
				return err
			}
			if err := check(opts); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context, opts)
			}
			return run(c.Context, opts)
		},
	}
}

func check(opts *Options) error {
	if len(opts.Sources) == 0 && len(opts.Unset) == 0 {
		return cmdutil.UsageError("nothing to change: give SOURCES or --unset KEY")
	}
	if opts.Replace && len(opts.Sources) == 0 {
		return cmdutil.UsageError("--replace needs SOURCES: a group cannot be left empty").
			WithHint("to remove the whole group run `tfy-secrets group delete %s`", opts.Group)
	}
	named := map[string]bool{}
	for _, s := range opts.Sources {
		named[s.Key] = true
	}
	for _, k := range opts.Unset {
		if err := cmdutil.ValidateKey(k); err != nil {
			return err
		}
		if named[k] {
			return cmdutil.UsageError("key %s is both given a value and --unset", k)
		}
	}
	return nil
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
		Call:      call,
		Operation: plugin.OpGroupUpdate,
		Group:     opts.Group,
		Changes:   changes,
		Unset:     opts.Unset,
		Replace:   opts.Replace,
	})
}
