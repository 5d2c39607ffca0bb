// Package login implements `auth login`: it obtains a freshly typed API key
// (hidden prompt, stdin or a named environment variable) and hands it to the
// plugin, which validates and stores it. The host keeps no copy.
package login

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/render"
	"github.com/tfy-secrets/tfy-secrets/internal/secret"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// Options are the parsed flags, the global ones included, and what run
// works with: the streams, the plugin and the environment.
type Options struct {
	cmdutil.Session
	LookupEnv func(string) (string, bool)
	Globals   cmdutil.Globals
	WithToken bool   // read the key from stdin
	FromEnv   string // read the key from this environment variable
}

// maxKeyBytes bounds a key read from stdin; real keys are a few hundred
// bytes, and the bound keeps a wrong pipe from being read whole.
const maxKeyBytes = 64 << 10

// NewCmd builds the command; runF replaces run in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cli.Command {
	return &cli.Command{
		Name:      "login",
		Usage:     "Validate an API key and store it in the OS keyring",
		ArgsUsage: "[--host URL] [--with-token | --from-env VAR]",
		Description: "The key comes from a hidden prompt, from standard input (--with-token) or from an\n" +
			"environment variable you name (--from-env). It is never taken as an argument.\n\n" +
			cmdutil.Examples(
				"tfy-secrets auth login --host https://acme.truefoundry.cloud",
				"tfy-secrets auth login --with-token < ~/keys/tfy.txt",
				"tfy-secrets auth login --from-env CI_TFY_KEY"),
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "with-token", Usage: "read the API key from standard input"},
			&cli.StringFlag{Name: "from-env", Usage: "read the API key from environment variable `VAR`"},
		},
		Action: func(c *cli.Context) error {
			g, err := cmdutil.ReadGlobals(c, f.LookupEnv)
			if err != nil {
				return err
			}
			if _, err := cmdutil.Args(c, 0, 0); err != nil {
				return err
			}
			opts := &Options{Session: f.Session(g), LookupEnv: f.LookupEnv, Globals: g, WithToken: c.Bool("with-token"), FromEnv: c.String("from-env")}
			if c.IsSet("from-env") && !cmdutil.IsEnvName(opts.FromEnv) {
				// Not repeated: someone may have typed the key itself here.
				return cmdutil.UsageError("--from-env must name an environment variable (letters, digits, _)").
					WithHint("export the key first, then pass its variable's name: --from-env TFY_KEY")
			}
			if opts.WithToken && opts.FromEnv != "" {
				return cmdutil.UsageError("--with-token and --from-env cannot be used together")
			}
			if runF != nil {
				return runF(c.Context, opts)
			}
			return run(c.Context, opts)
		},
	}
}

func run(ctx context.Context, opts *Options) error {
	key, err := readKey(ctx, opts)
	if err != nil {
		return err
	}
	if key.Len() == 0 {
		return cmdutil.UsageError("the API key is empty")
	}
	svc, err := opts.Service(ctx)
	if err != nil {
		return err
	}
	st, err := svc.Login(ctx, plugin.LoginRequest{Call: opts.Globals.Call(opts.IO.CanPrompt()), Key: key})
	if err != nil {
		return fmt.Errorf("login: %w", err)
	}
	return render.New(opts.Globals.Output, opts.IO.ColorEnabled()).AuthStatus(opts.IO.Out, st)
}

func readKey(ctx context.Context, opts *Options) (secret.Value, error) {
	ios := opts.IO
	switch {
	case opts.WithToken:
		b, err := io.ReadAll(io.LimitReader(ios.In, maxKeyBytes+1))
		if err != nil {
			return secret.Value{}, fmt.Errorf("read standard input: %w", err)
		}
		if len(b) > maxKeyBytes {
			clear(b)
			return secret.Value{}, cmdutil.UsageError("standard input holds more than %d bytes: that is not an API key", maxKeyBytes)
		}
		// Like `gh auth login --with-token`: one trailing newline is the
		// file's or echo's, not the key's.
		s := strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
		clear(b)
		return secret.FromString(s), nil
	case opts.FromEnv != "":
		v, ok := opts.LookupEnv(opts.FromEnv)
		if !ok {
			return secret.Value{}, cmdutil.UsageError("--from-env: the named environment variable is not set")
		}
		return secret.FromString(v), nil
	case ios.CanPrompt():
		prompt := "TrueFoundry API key (input hidden): "
		if h := opts.Globals.Host; h != "" {
			prompt = fmt.Sprintf("TrueFoundry API key for %s (input hidden): ", h)
		}
		v, err := ios.ReadSecret(ctx, prompt)
		if err != nil {
			return secret.Value{}, fmt.Errorf("read API key: %w", err)
		}
		return v, nil
	}
	return secret.Value{}, cmdutil.UsageError("no terminal to prompt for the API key on").
		WithHint("pipe it in with --with-token, or name a variable holding it with --from-env VAR")
}
