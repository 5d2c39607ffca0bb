package sources

import (
	"github.com/urfave/cli/v2"
)

// The SOURCES flag names, shared by create and update.
const (
	FlagFromEnv    = "from-env"
	FlagFromFile   = "from-file"
	FlagFromDotenv = "from-dotenv"
	FlagPrompt     = "prompt"
)

// Flags are the SOURCES flags.
func Flags() []cli.Flag {
	return []cli.Flag{
		&cli.StringSliceFlag{Name: FlagFromEnv, Usage: "take `KEY`'s value from env var KEY, or KEY=VAR from env var VAR (repeatable)"},
		&cli.StringSliceFlag{Name: FlagFromFile, Usage: "take KEY's value from the exact bytes of a file: `KEY=PATH`, PATH - is stdin (repeatable)"},
		&cli.StringSliceFlag{Name: FlagFromDotenv, Usage: "take every pair of a .env `FILE`, never shell-evaluated; - is stdin (repeatable)"},
		&cli.StringSliceFlag{Name: FlagPrompt, Usage: "ask for `KEY`'s value at a hidden terminal prompt (repeatable)"},
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
	return specs, nil
}
