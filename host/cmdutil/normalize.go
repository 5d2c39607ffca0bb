package cmdutil

import (
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
)

// The flag and command names Normalize treats specially.
const (
	outputFlag  = "output"  // its value is reported in Line.Output
	versionFlag = "version" // --version/-v on its own is the version command
	HelpCommand = "help"    // `help WORDS...` is `WORDS... --help`
)

// Line is a command line as the host understood it before urfave/cli
// parses it.
type Line struct {
	// Argv is the command line reordered for urfave/cli.
	Argv []string
	// Output is the value of the global -o/--output, when it was given,
	// for reporting errors in the requested format even when parsing fails.
	Output string
}

// Normalize checks a command line against app's tree and reorders it so
// that urfave/cli, whose flag parsing stops at the first positional
// argument, sees the layout it expects:
//
//	argv0 GLOBAL-FLAGS COMMAND-WORDS COMMAND-FLAGS [--] POSITIONALS
//
// This is what lets `tfy-secrets group list -o json`, `tfy-secrets -o json
// group list` and `tfy-secrets group update app --from-env K` all work. A
// flag the command defines wins over a global of the same name.
//
// Everything urfave/cli would get wrong or word badly is decided here, in
// the order it was typed: an unknown command or flag (with a suggestion), a
// flag without its value or with a value of the wrong type, one flag given
// under two of its names. urfave/cli would print help for an unknown word
// after --help, or quote Go's flag package ("flag provided but not
// defined: -x"). `help WORDS...` becomes `WORDS... --help`, and --version
// (or -v) with no command becomes the version command. The returned Line
// carries the output format even with an error.
func Normalize(app *cli.App, argv []string) (Line, error) {
	var line Line
	if len(argv) == 0 {
		line.Argv = argv
		return line, nil
	}
	var globals, words, locals, positional []string
	var cmd *cli.Command
	path := []string{app.Name}
	subcommands := app.Commands
	help, version := false, false
	given := map[cli.Flag]string{} // the name each flag was given as
	args := argv[1:]
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if len(arg) < 2 || arg[0] != '-' {
			if len(positional) == 0 && (cmd == nil || len(cmd.Subcommands) > 0 || help) {
				if cmd == nil && !help && arg == HelpCommand {
					help = true
					continue
				}
				sub := findCommand(subcommands, arg)
				if sub == nil {
					return line, UnknownCommand(path, arg, subcommands)
				}
				words = append(words, arg)
				path = append(path, sub.Name)
				cmd, subcommands = sub, sub.Subcommands
				continue
			}
			positional = append(positional, arg)
			continue
		}
		name, value, hasValue, err := splitFlag(arg)
		if err != nil {
			return line, err
		}
		if name == "h" || name == "help" {
			// urfave/cli adds the help flag to every command itself.
			locals = append(locals, arg)
			continue
		}
		dst := &locals
		var fl cli.Flag
		if cmd != nil {
			fl = findFlag(cmd.Flags, name)
		}
		if fl == nil {
			if fl = findFlag(app.Flags, name); fl != nil {
				dst = &globals
			}
		}
		if fl == nil {
			return line, unknownFlag(name, path, cmd, app)
		}
		if first, ok := given[fl]; ok && first != name {
			return line, UsageError("%s and %s are the same flag: give it once", dash(first), dash(name))
		}
		given[fl] = name
		*dst = append(*dst, arg)
		if takesValue(fl) && !hasValue {
			if i+1 == len(args) {
				return line, needsValue(fl, name, path)
			}
			i++
			value, hasValue = args[i], true
			*dst = append(*dst, value)
		}
		if err := checkValue(fl, name, value, hasValue); err != nil {
			return line, err
		}
		if dst == &globals {
			switch fl.Names()[0] {
			case outputFlag:
				line.Output = value
			case versionFlag:
				version = true
			}
		}
	}
	if version {
		if len(words) > 0 || help {
			return line, UsageError("--version is a flag of %s alone, not of a command", app.Name).
				WithHint("run `%s --version` or `%s version`", app.Name, app.Name)
		}
		words = append(words, "version")
	}
	if help {
		locals = append(locals, "--help")
	}
	line.Argv = append(line.Argv, argv[0])
	line.Argv = append(line.Argv, globals...)
	line.Argv = append(line.Argv, words...)
	line.Argv = append(line.Argv, locals...)
	if len(positional) > 0 {
		// Always separate: a positional starting with '-' must not be
		// taken for a flag once reordered.
		line.Argv = append(line.Argv, "--")
		line.Argv = append(line.Argv, positional...)
	}
	return line, nil
}

// splitFlag reads a flag argument the way Go's flag package does: one or
// two dashes, a name, and optionally =VALUE.
func splitFlag(arg string) (name, value string, hasValue bool, err error) {
	name = strings.TrimPrefix(arg[1:], "-")
	if name == "" || name[0] == '-' || name[0] == '=' {
		return "", "", false, UsageError("%q is not a flag: flags are -x or --name", arg)
	}
	name, value, hasValue = strings.Cut(name, "=")
	return name, value, hasValue, nil
}

// dash writes a flag name the way help shows it: -x, --name.
func dash(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// UnknownCommand is the usage error for a word that is not one of cmds, the
// subcommands of the command at path (the program name first), with the
// likeliest meant command as a hint.
func UnknownCommand(path []string, word string, cmds []*cli.Command) error {
	var names, main []string
	for _, c := range cmds {
		if !c.Hidden {
			names = append(names, c.Names()...)
			main = append(main, c.Name)
		}
	}
	parent := strings.Join(path, " ")
	err := UsageError("unknown command %q for %q", word, parent)
	switch s := Suggest(word, names); {
	case s != "":
		return err.WithHint("did you mean %q? See `%s --help`", canonical(cmds, s), parent)
	case len(cmds) == 0:
		return err.WithHint("%s has no subcommands; see `%s --help`", parent, parent)
	case word == HelpCommand && len(path) > 1:
		// Only the top level has `help`: `group help` means `help group`.
		return err.WithHint("run `%s help %s` or `%s --help`", path[0], strings.Join(path[1:], " "), parent)
	}
	// Nothing close: the choices are short enough to list.
	return err.WithHint("the commands are %s; see `%s --help`", strings.Join(main, ", "), parent)
}

// canonical returns the name of the command one of whose names is name, so
// that a suggestion shows the main name rather than an alias.
func canonical(cmds []*cli.Command, name string) string {
	if c := findCommand(cmds, name); c != nil {
		return c.Name
	}
	return name
}

func unknownFlag(name string, path []string, cmd *cli.Command, app *cli.App) error {
	var names []string
	add := func(flags []cli.Flag) {
		for _, f := range flags {
			for _, n := range f.Names() {
				names = append(names, dash(n))
			}
		}
	}
	if cmd != nil {
		add(cmd.Flags)
	}
	add(app.Flags)
	where := strings.Join(path, " ")
	err := UsageError("unknown flag %s", dash(name))
	if s := Suggest(dash(name), names); s != "" {
		return err.WithHint("did you mean %s? See `%s --help`", s, where)
	}
	return err.WithHint("see the flags with `%s --help`", where)
}

func needsValue(fl cli.Flag, name string, path []string) error {
	return UsageError("%s needs a value: %s %s", dash(name), dash(name), Placeholder(fl)).
		WithHint("see `%s --help`", strings.Join(path, " "))
}

// Placeholder is the name of a flag's value, written between backquotes in
// its usage text as urfave/cli expects (`URL`, `FILE`); "VALUE" when the
// usage names none.
func Placeholder(fl cli.Flag) string {
	if d, ok := fl.(cli.DocGenerationFlag); ok {
		_, rest, ok := strings.Cut(d.GetUsage(), "`")
		if p, _, ok2 := strings.Cut(rest, "`"); ok && ok2 && p != "" {
			return p
		}
	}
	return "VALUE"
}

// checkValue parses the values urfave/cli would refuse in Go's flag
// package's words. Values are quoted with %q, which package host's hiding
// of KEY=VALUE words recognises.
func checkValue(fl cli.Flag, name, value string, hasValue bool) error {
	switch fl.(type) {
	case *cli.DurationFlag:
		if _, err := time.ParseDuration(value); err != nil {
			return UsageError("%s: %q is not a duration (e.g. 30s, 2m)", dash(name), value).
				WithHint("a duration is a number and a unit (ms, s, m, h): %s 30s, %s 1m30s", dash(name), dash(name))
		}
	case *cli.BoolFlag:
		if _, err := strconv.ParseBool(value); hasValue && err != nil {
			return UsageError("%s: %q is not true or false", dash(name), value).
				WithHint("give %s alone, or %s=false", dash(name), dash(name))
		}
	}
	return nil
}

func findFlag(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
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
