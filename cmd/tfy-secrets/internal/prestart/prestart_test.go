package prestart

import (
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmd/root"
	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/iostreams"
)

func TestNeedsPlugin(t *testing.T) {
	t.Parallel()
	cases := []struct {
		argv string
		want bool
	}{
		{"tfy-secrets group list -o json", true},
		{"tfy-secrets -o json group list", true},
		{"tfy-secrets --host https://h.example group get app", true},
		{"tfy-secrets --output=json --timeout 5s secret get app:KEY", true},
		{"/usr/local/bin/tfy-secrets list", true},
		{"tfy-secrets ref app KEY", true},
		{"tfy-secrets auth status", true},
		{"tfy-secrets policy eval --input in.json", true},
		{"tfy-secrets policy show", true},
		{"tfy-secrets group create app --from-env DB_PASSWORD -y", true},
		{"tfy secrets group list", true},
		{"/home/me/bin/tfy secrets -o yaml integration list", true},

		{"tfy-secrets", false},
		{"tfy-secrets version", false},
		{"tfy-secrets completion bash", false},
		{"tfy-secrets policy test ./policies", false},
		{"tfy-secrets policy build ./p -o b.tar.gz", false},
		{"tfy-secrets policy", false},
		{"tfy-secrets group", false},
		{"tfy-secrets group list --help", false},
		{"tfy-secrets -h", false},
		{"tfy-secrets group get app -h", false},
		{"tfy-secrets group list --generate-bash-completion", false},
		{"tfy-secrets --host group version", false}, // --host takes "group" as its value
		{"tfy-secrets -- group list", false},
		{"tfy-secrets nonsense", false},
		{"tfy apps list", false},
		{"tfy", false},
		{"tfy group list", false},
		{"", false},
	}
	for _, c := range cases {
		if got := NeedsPlugin(strings.Fields(c.argv)); got != c.want {
			t.Errorf("NeedsPlugin(%q) = %v, want %v", c.argv, got, c.want)
		}
	}
}

// Every command of the host's tree is classified: the ones listed here run
// without the plugin, all others start it. A new command fails this test
// until it is classified.
func TestNeedsPluginFollowsTheTree(t *testing.T) {
	t.Parallel()
	pluginFree := map[string]bool{
		"version": true, "completion": true, "help": true, "policy test": true, "policy build": true,
		"where-used": true,
	}
	ios, _, _ := iostreams.Test("")
	app := root.NewApp(cmdutil.NewFactory(ios, nil), "tfy-secrets")
	seen := 0
	var walk func(prefix []string, cmds []*cli.Command)
	walk = func(prefix []string, cmds []*cli.Command) {
		for _, c := range cmds {
			path := append(append([]string(nil), prefix...), c.Name)
			if len(c.Subcommands) > 0 {
				walk(path, c.Subcommands)
				continue
			}
			seen++
			name := strings.Join(path, " ")
			argv := append([]string{"tfy-secrets"}, path...)
			if got, want := NeedsPlugin(argv), !pluginFree[name]; got != want {
				t.Errorf("NeedsPlugin(%q) = %v, want %v", name, got, want)
			}
		}
	}
	walk(nil, app.Commands)
	if seen < 20 {
		t.Fatalf("walked only %d commands", seen)
	}
}

func FuzzNeedsPlugin(f *testing.F) {
	f.Add("tfy-secrets\x00group\x00list")
	f.Add("tfy\x00secrets\x00--host\x00x\x00ref")
	f.Add("tfy-secrets\x00--\x00-h")
	f.Fuzz(func(t *testing.T, joined string) {
		argv := strings.Split(joined, "\x00")
		got := NeedsPlugin(argv)
		// Asking for help never starts the plugin.
		if got && len(argv) > 1 && argv[1] == "--help" {
			t.Fatalf("NeedsPlugin(%q) = true with --help", argv)
		}
	})
}
