package prestart

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/cmd/tfy-secrets/internal/prestart/internal/tables"
	"github.com/tfy-secrets/tfy-secrets/host"
	"github.com/tfy-secrets/tfy-secrets/host/cmd/root"
	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
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
		{"tfy-secrets --o json group list", true},
		{"tfy-secrets --host https://h.example group get app", true},
		{"tfy-secrets --output=json --timeout 5s secret get app:KEY", true},
		{"/usr/local/bin/tfy-secrets list", true},
		{"tfy-secrets ls", true},
		{"tfy-secrets group ls", true},
		{"tfy-secrets ref app KEY", true},
		{"tfy-secrets auth status", true},
		{"tfy-secrets policy eval --input in.json", true},
		{"tfy-secrets policy show", true},
		{"tfy-secrets group create app --from-env DB_PASSWORD -y", true},
		{"tfy-secrets group list --search -h", true}, // -h is the value of --search
		{"tfy secrets group list", true},
		{"/home/me/bin/tfy secrets -o yaml integration list", true},
		{"tfy.exe secrets group list", true},
		{"/opt/bin/tfy.exe secrets auth status", true},

		{"tfy-secrets", false},
		{"tfy-secrets version", false},
		{"tfy-secrets completion bash", false},
		{"tfy-secrets policy test ./policies", false},
		{"tfy-secrets policy build ./p -o b.tar.gz", false},
		{"tfy-secrets policy", false},
		{"tfy-secrets group", false},
		{"tfy-secrets help group list", false},
		{"tfy-secrets group list --help", false},
		{"tfy-secrets -h", false},
		{"tfy-secrets --h group list", false},
		{"tfy-secrets group get app -h", false},
		{"tfy-secrets group list --generate-bash-completion", false},
		{"tfy-secrets __complete group get ", false},
		{"tfy-secrets --host group version", false}, // --host takes "group" as its value
		{"tfy-secrets -- group list", false},
		{"tfy-secrets nonsense", false},
		{"tfy-secrets nonsense list", false},
		{"tfy apps list", false},
		{"tfy.exe apps list", false},
		{"tfy", false},
		{"tfy group list", false},
		{"tfy.exe group list", false},
		{"", false},
	}
	for _, c := range cases {
		if got := NeedsPlugin(strings.Fields(c.argv)); got != c.want {
			t.Errorf("NeedsPlugin(%q) = %v, want %v", c.argv, got, c.want)
		}
	}
}

// TestTablesFollowTheTree: tables.go is what the command tree gives now.
func TestTablesFollowTheTree(t *testing.T) {
	t.Parallel()
	want, err := tables.Source()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(tables.File)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from the command tree: run `go generate ./cmd/tfy-secrets/internal/prestart` and commit", tables.File)
	}
}

// runArgs are, for every command of the tree (by its first names), the
// arguments that make it run to the end against a fake plugin that
// answers everything. A new command fails TestNeedsPluginAgreesWithRunning
// until it has an entry.
var runArgs = map[string]string{
	"auth login":       "--with-token", // the key is stdin
	"auth logout":      "",
	"auth status":      "",
	"integration list": "",
	"group list":       "",
	"group get":        "app",
	"group create":     "app --from-env K --yes",
	"group update":     "app --from-env K --yes",
	"group delete":     "app --yes --confirm-name app",
	"secret get":       "app:K",
	"secret delete":    "app:K --yes",
	"secret versions":  "app:K",
	"ref":              "app K",
	"manifest check":   "testdata/refs.yaml", // a manifest with a reference: the plugin checks it
	"where-used":       "app testdata",
	"manifest migrate": "testdata/truefoundry.yaml --group app --yes", // a credential to move
	"policy show":      "",
	"policy test":      "./org",                // the policy tool, not found here
	"policy build":     "./org --out b.tar.gz", // likewise
	"policy eval":      "--input -",            // the document is stdin
	"version":          "",
	"completion":       "bash",
	"help":             "group",
	"list":             "",
	"get":              "app",
	"create":           "app --from-env K --yes",
	"update":           "app --from-env K --yes",
	"delete":           "app --yes --confirm-name app",
}

// TestNeedsPluginAgreesWithRunning runs every command of the tree, under
// every name and alias, directly, with global flags before the command
// words and through the tfy shim, and checks that NeedsPlugin guesses
// that it starts the plugin exactly when running it does. Not parallel:
// urfave/cli keeps its help flag in package variables that a run changes.
func TestNeedsPluginAgreesWithRunning(t *testing.T) {
	ios, _, _ := iostreams.Test("")
	app := root.NewApp(cmdutil.NewFactory(ios, nil), host.Name)
	var paths [][]string // every name of every leaf
	var walk func(prefix []string, cmds []*cli.Command, first string)
	walk = func(prefix []string, cmds []*cli.Command, first string) {
		for _, c := range cmds {
			for _, name := range c.Names() {
				path := append(append([]string(nil), prefix...), name)
				key := strings.TrimSpace(first + " " + c.Name)
				if len(c.Subcommands) > 0 {
					walk(path, c.Subcommands, key)
					continue
				}
				if _, ok := runArgs[key]; !ok {
					t.Fatalf("no runArgs for %q: add the arguments that run it", key)
				}
				paths = append(paths, append(path, strings.Fields(runArgs[key])...))
			}
		}
	}
	walk(nil, app.Commands, "")
	started := 0
	for _, path := range paths {
		for _, argv := range [][]string{
			append([]string{"tfy-secrets"}, path...),
			append([]string{"/usr/bin/tfy-secrets", "-o", "json", "--timeout", "5s"}, path...),
			append([]string{"tfy.exe", "secrets"}, path...),
			append([]string{"/opt/tfy/bin/tfy", "secrets", "--host", "https://h.example"}, path...),
		} {
			starts, code := run(argv)
			if code == 2 {
				t.Errorf("%q: a usage error: fix its runArgs", argv)
			}
			if got, want := NeedsPlugin(argv), starts > 0; got != want {
				t.Errorf("NeedsPlugin(%q) = %v, but running it started the plugin %d times", argv, got, starts)
			}
			if starts > 0 {
				started++
			}
		}
	}
	if len(paths) < 25 || started == 0 {
		t.Fatalf("ran %d commands, %d of them with the plugin", len(paths), started)
	}
}

// run runs argv in-process against a fake plugin and returns how often
// the plugin was started and the exit code.
func run(argv []string) (starts, code int) {
	ios, _, _ := iostreams.Test("{}")
	code = host.Main(context.Background(), host.Process{
		Args:       argv,
		IOStreams:  ios,
		LookupEnv:  hosttest.Env(map[string]string{"K": "v"}),
		Environ:    func() []string { return nil },
		Executable: func() (string, error) { return "", os.ErrNotExist },
		LookPath:   func(string) (string, error) { return "", os.ErrNotExist },
		Start:      hosttest.Start(hosttest.Canned(hosttest.Answers{Decision: []byte(`{}`)}), &starts),
		Version:    "v0",
	})
	return starts, code
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
