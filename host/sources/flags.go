package sources

import (
	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// The SOURCES flag names, shared by create and update.
const (
	FlagFromEnv    = "from-env"
	FlagFromFile   = "from-file"
	FlagFromDotenv = "from-dotenv"
	FlagPrompt     = "prompt"
	FlagEncoding   = "encoding"
	FlagStrict     = "strict"
)

// Flags are the SOURCES flags.
func Flags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: FlagFromEnv, Usage: "take `KEY`'s value from env var KEY, or KEY=VAR from env var VAR (repeatable)"},
		&cli.StringSliceFlag{Name: FlagFromFile, Usage: "take KEY's value from the exact bytes of a file: `KEY=PATH`, PATH - is stdin (repeatable)"},
		&cli.StringSliceFlag{Name: FlagFromDotenv, Usage: "take every pair of a .env `FILE`, never shell-evaluated; - is stdin (repeatable)"},
		&cli.StringSliceFlag{Name: FlagPrompt, Usage: "ask for `KEY`'s value at a hidden terminal prompt (repeatable)"},
		&cli.StringFlag{Name: FlagEncoding, Usage: "store --from-file values as `ENCODING`: text (exact bytes, must be UTF-8) or base64 (any bytes, stored as base64 text)"},
		&cli.BoolFlag{Name: FlagStrict, Usage: "refuse empty values instead of warning about them"},
	}
}

// FromContext parses the SOURCES flags and the positional arguments (each
// an inline value attempt). firstPos is the 1-based position of
// positional[0] among the command's arguments, for messages.
func FromContext(c *cli.Context, positional []string, firstPos int) ([]Spec, error) {
	var specs []Spec
	parse := func(flag string, fn func(string) (Spec, error)) error {
		for _, arg := range c.StringSlice(flag) {
			s, err := fn(arg)
			if err != nil {
				return err
			}
			specs = append(specs, s)
		}
		return nil
	}
	for _, p := range []struct {
		flag string
		fn   func(string) (Spec, error)
	}{
		{FlagFromEnv, ParseFromEnv}, {FlagFromFile, ParseFromFile}, {FlagFromDotenv, ParseFromDotenv}, {FlagPrompt, ParsePrompt},
	} {
		if err := parse(p.flag, p.fn); err != nil {
			return nil, err
		}
	}
	for i, arg := range positional {
		s, err := ParsePositional(arg, firstPos+i)
		if err != nil {
			return nil, err
		}
		specs = append(specs, s)
	}
	if err := CheckStdin(specs); err != nil {
		return nil, err
	}
	if err := applyEncoding(specs, c.String(FlagEncoding), c.IsSet(FlagEncoding)); err != nil {
		return nil, err
	}
	return specs, nil
}

// applyEncoding gives every --from-file source (files and stdin) the
// --encoding named. It is refused without any, so that it cannot be taken
// to apply to values from the environment or a .env file.
func applyEncoding(specs []Spec, name string, given bool) error {
	if !given {
		return nil
	}
	enc, err := ParseEncoding(name)
	if err != nil {
		return err
	}
	n := 0
	for i := range specs {
		if specs[i].Source == plugin.SourceFile || specs[i].Source == plugin.SourceStdin {
			specs[i].Encoding = enc
			n++
		}
	}
	if n == 0 {
		return cmdutil.UsageError("--encoding applies to --from-file values, and no --from-file is given").
			WithHint("read binary data from a file: --from-file KEY=PATH --encoding base64")
	}
	return nil
}
