package root

import (
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/iostreams"
	"github.com/tfy-secrets/tfy-secrets/host/launcher"
	"github.com/tfy-secrets/tfy-secrets/internal/tfyapi"
)

func walk(cmds []*cli.Command, path string, fn func(string, *cli.Command)) {
	for _, c := range cmds {
		p := strings.TrimSpace(path + " " + c.Name)
		fn(p, c)
		walk(c.Subcommands, p, fn)
	}
}

// TestTree pins design section 3's command list and the help habits: every
// command, the ones that only group others included, has a summary and
// examples, and no fixed usage line (the help template builds it from the
// name the command was invoked by, so aliases and the shim show their own).
func TestTree(t *testing.T) {
	ios, _, _ := iostreams.Test("")
	app := NewApp(cmdutil.NewFactory(ios, nil), "tfy-secrets")
	var leaves []string
	walk(app.Commands, "", func(path string, c *cli.Command) {
		if !strings.Contains(c.Description, "Examples:\n  ") || c.Usage == "" || c.UsageText != "" {
			t.Errorf("%s: help lacks a summary or examples, or has a fixed usage line", path)
		}
		if len(c.Subcommands) == 0 {
			leaves = append(leaves, path)
		}
	})
	want := []string{
		"auth login", "auth logout", "auth status", "integration list",
		"group list", "group get", "group create", "group update", "group delete",
		"secret get", "secret delete", "secret versions", "ref",
		"manifest check", "manifest migrate", "where-used",
		"policy show", "policy test", "policy build", "policy eval", "version", "completion", "help",
		"list", "get", "create", "update", "delete",
	}
	if strings.Join(leaves, ",") != strings.Join(want, ",") {
		t.Fatalf("commands:\n got %v\nwant %v", leaves, want)
	}
	for _, name := range []string{cmdutil.FlagHost, cmdutil.FlagOutput, cmdutil.FlagYes, cmdutil.FlagDryRun, cmdutil.FlagPolicy, cmdutil.FlagDebug, cmdutil.FlagTimeout} {
		found := false
		for _, f := range app.Flags {
			found = found || f.Names()[0] == name
		}
		if !found {
			t.Errorf("global flag --%s missing", name)
		}
	}
}

// TestTimeoutHelpMatchesTheClient: --timeout's help says what 0 leaves in
// place, the API client's own per-request limit; the two must agree.
func TestTimeoutHelpMatchesTheClient(t *testing.T) {
	for _, fl := range cmdutil.GlobalFlags() {
		if d, ok := fl.(*cli.DurationFlag); ok && d.Name == cmdutil.FlagTimeout {
			for _, want := range []string{"gives up after " + tfyapi.DefaultTimeout.String(), "after " + launcher.DefaultCallBound.String()} {
				if !strings.Contains(d.DefaultText, want) {
					t.Fatalf("--timeout's default text %q does not say %q", d.DefaultText, want)
				}
			}
			return
		}
	}
	t.Fatal("no --timeout flag")
}
