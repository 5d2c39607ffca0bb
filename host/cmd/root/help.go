package root

import (
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
)

// binaryName is the program's own name, which the commands' examples use;
// through the shim they are rewritten to "tfy secrets".
const binaryName = "tfy-secrets"

// The help templates. urfave/cli's own say OPTIONS for a bare command and
// GLOBAL OPTIONS for --help, show the category of an alias, and leave the
// global flags out of a command's help; ours say FLAGS and GLOBAL FLAGS
// everywhere, and every command's help ends with the global flags, since
// they are accepted after the command words too. The named templates
// (helpNameTemplate, ...) are urfave/cli's.
const (
	appHelpTemplate = `NAME:
   {{template "helpNameTemplate" .}}

USAGE:
   {{wrap .UsageText 3}}

DESCRIPTION:
   {{template "descriptionTemplate" .}}

COMMANDS:{{template "visibleCommandCategoryTemplate" .}}

GLOBAL FLAGS (before or after the command words):{{template "visibleFlagTemplate" .}}
`
	groupHelpTemplate = `NAME:
   {{template "helpNameTemplate" .}}

USAGE:
   {{.HelpName}} COMMAND [flags] [args]{{if .Description}}

DESCRIPTION:
   {{template "descriptionTemplate" .}}{{end}}

COMMANDS:{{template "visibleCommandCategoryTemplate" .}}
`
	commandHelpTemplate = `NAME:
   {{template "helpNameTemplate" .}}

USAGE:
   {{.HelpName}}{{if .ArgsUsage}} {{.ArgsUsage}}{{end}}{{if .Description}}

DESCRIPTION:
   {{template "descriptionTemplate" .}}{{end}}

FLAGS:{{template "visibleFlagTemplate" .}}
`
)

// globalSummary is the short list of global flags that ends every
// command's help; the program's own help (name --help) explains each of
// them. --version is left out: it is a flag of the program alone.
func globalSummary(name string, flags []cli.Flag) string {
	var items []string
	for _, fl := range flags {
		if fl.Names()[0] == cmdutil.FlagVersion {
			continue
		}
		item := dashed(fl)
		if d, ok := fl.(cli.DocGenerationFlag); ok && d.TakesValue() {
			item += " " + cmdutil.Placeholder(fl)
		}
		items = append(items, item)
	}
	var b strings.Builder
	b.WriteString("\nGLOBAL FLAGS (before or after the command words; `" + name + " --help` explains them):\n")
	line := ""
	for _, item := range items {
		if line != "" && len(line)+2+len(item) > 77 {
			b.WriteString("   " + line + "\n")
			line = ""
		}
		if line != "" {
			line += "  "
		}
		line += item
	}
	b.WriteString("   " + line + "\n")
	return b.String()
}

// dashed lists a flag's names as help writes them: short ones first.
func dashed(fl cli.Flag) string {
	var short, long []string
	for _, n := range fl.Names() {
		if len(n) == 1 {
			short = append(short, "-"+n)
		} else {
			long = append(long, "--"+n)
		}
	}
	return strings.Join(append(short, long...), ", ")
}
