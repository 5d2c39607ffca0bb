package completion_test

import (
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmd/completion"
	"github.com/tfy-secrets/tfy-secrets/host/cmd/root"
	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/iostreams"
)

// TestEveryArgumentIsKnown holds the completer to the tree: the arguments
// each command's usage line names are ones it knows how to complete (or
// knows to leave alone), so a new command cannot silently go without.
func TestEveryArgumentIsKnown(t *testing.T) {
	t.Parallel()
	known := map[string]bool{
		"GROUP": true, "KEY": true, "SECRET": true, "NAME": true, "DIR": true, "FILE": true, "SOURCES...": true,
		"PATH...": true, "GROUP[:KEY]": true, "COMMAND...": true,
	}
	ios, _, _ := iostreams.Test("")
	app := root.NewApp(cmdutil.NewFactory(ios, nil), "tfy-secrets")
	var walk func([]*cli.Command)
	walk = func(cmds []*cli.Command) {
		for _, c := range cmds {
			walk(c.Subcommands)
			for _, k := range completion.Kinds(c) {
				if !known[k] && !strings.Contains(k, "|") {
					t.Errorf("%s: the completer does not know argument %s", c.Name, k)
				}
			}
		}
	}
	walk(app.Commands)
}
