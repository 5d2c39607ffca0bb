package cmdutil

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// completionFlag is urfave/cli's hidden flag for shell completion; it must
// stay last, where urfave/cli looks for it.
const completionFlag = "--generate-bash-completion"

// outputFlag is the global flag whose value Normalize reports.
const outputFlag = "output"

// Normalize reorders argv so that urfave/cli, whose flag parsing stops at
// the first positional argument, sees the layout it expects:
//
//	argv0 GLOBAL-FLAGS COMMAND-WORDS COMMAND-FLAGS [--] POSITIONALS
//
// This is what lets `tfy-secrets group list -o json`, `tfy-secrets -o json
// group list` and `tfy-secrets group update app --from-env K` all work. A
// flag the command defines wins over a global of the same name (`policy
// build DIR -o BUNDLE`). Unknown flags stay with the command, where
// urfave/cli reports them. It also returns the value of the global
// -o/--output, for reporting errors in the requested format even when
// parsing fails.
func Normalize(app *cli.App, argv []string) (out []string, output string) {
	if len(argv) == 0 {
		return argv, ""
	}
	var globals, words, locals, positional []string
	complete := false
	var cmd *cli.Command
	subcommands := app.Commands
	args := argv[1:]
	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "--":
			positional = append(positional, args[i+1:]...)
			i = len(args)
		case arg == completionFlag:
			complete = true
		case len(arg) > 1 && arg[0] == '-':
			name, _, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
			var localFlags []cli.Flag
			if cmd != nil {
				localFlags = cmd.Flags
			}
			dst := &locals
			fl, isLocal := findFlag(localFlags, name)
			if !isLocal && name != "h" && name != "help" {
				if g, ok := findFlag(app.Flags, name); ok {
					fl, dst = g, &globals
				}
			}
			*dst = append(*dst, arg)
			if fl != nil && takesValue(fl) && !hasValue && i+1 < len(args) {
				i++
				*dst = append(*dst, args[i])
				hasValue = true
			}
			if dst == &globals && fl.Names()[0] == outputFlag && hasValue {
				output = (*dst)[len(*dst)-1]
				if _, v, ok := strings.Cut(arg, "="); ok {
					output = v
				}
			}
		default:
			if len(positional) == 0 {
				if sub := findCommand(subcommands, arg); sub != nil {
					words = append(words, arg)
					cmd, subcommands = sub, sub.Subcommands
					continue
				}
			}
			positional = append(positional, arg)
		}
	}
	out = append(out, argv[0])
	out = append(out, globals...)
	out = append(out, words...)
	out = append(out, locals...)
	if len(positional) > 0 {
		// Always separate: a positional starting with '-' must not be
		// taken for a flag once reordered.
		out = append(out, "--")
		out = append(out, positional...)
	}
	if complete {
		out = append(out, completionFlag)
	}
	return out, output
}

func findFlag(flags []cli.Flag, name string) (cli.Flag, bool) {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return f, true
			}
		}
	}
	return nil, false
}

func takesValue(f cli.Flag) bool {
	if v, ok := f.(cli.DocGenerationFlag); ok {
		return v.TakesValue()
	}
	return false
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}
