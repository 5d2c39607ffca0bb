package cmdutil

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// Examples formats example invocations for a command's help text.
func Examples(lines ...string) string {
	return "Examples:\n  " + strings.Join(lines, "\n  ")
}

// Args returns the positional arguments after checking their count is
// between min and max (max < 0: no limit). The error shows the command's
// usage line, so it names the command as it was invoked (an alias, or
// `tfy secrets ...` through the shim).
func Args(c *cli.Context, min, max int) ([]string, error) {
	args := c.Args().Slice()
	usage := strings.TrimSpace(c.Command.HelpName + " " + c.Command.ArgsUsage)
	switch {
	case len(args) < min:
		return nil, UsageError("missing argument: usage: %s", usage).
			WithHint("run `%s --help` for examples", c.Command.HelpName)
	case max >= 0 && len(args) > max:
		// The surplus is not quoted: it may be a value pasted by mistake.
		return nil, UsageError("%d unexpected argument(s): usage: %s", len(args)-max, usage).
			WithHint("run `%s --help` for examples", c.Command.HelpName)
	}
	return args, nil
}

// Providers are the values --provider accepts.
var Providers = []string{"aws", "azure", "gcp", "hashicorp", "truefoundry", "custom"}

// FlagConfirmName names the group when policy demands typed confirmation
// and there is no terminal to type it on. group delete needs it by
// default; an organisation policy may demand it of any mutation, so every
// mutation accepts it.
const FlagConfirmName = "confirm-name"

// ConfirmNameFlag is the --confirm-name flag.
func ConfirmNameFlag() cli.Flag {
	return &cli.StringFlag{Name: FlagConfirmName, Usage: "the group's `NAME`, for a typed confirmation without a terminal (with --yes)"}
}
