// Package prestart starts the plugin from the host's first package
// initialiser when the command line names a command that talks to it, so
// that the plugin's start (exec, Go runtime, package initialisation, about
// 6 ms) runs beside the host's own initialisation (about 5 ms, mostly gRPC,
// protobuf and go-plugin) instead of after it. The launcher takes the
// started plugin when the command first needs it (spawn.TakeEarly), and
// main discards it when the command never did (spawn.DiscardEarly).
//
// The guess only decides when the plugin starts, never whether a command
// works: a command that needs the plugin and was not guessed starts it on
// demand, and a plugin started for nothing is killed before the host
// exits. So the guess reads the command words and nothing else, and must
// stay cheap and free of heavy imports: Go initialises packages in
// import-path order, each after its own imports, and this one must run
// before google.golang.org and github.com/hashicorp (a process test of the
// host checks that).
package prestart

import (
	"os"
	"strings"

	"github.com/tfy-secrets/tfy-secrets/host/launcher/spawn"
)

func init() {
	if NeedsPlugin(os.Args) {
		spawn.Early()
	}
}

// groups are the command words that group subcommands, each with the
// subcommands that start the plugin (nil: all of them); leaves are the
// single-word commands that do. Keep in step with host/cmd/root (the
// host's process tests check every command of the tree).
var (
	groups = map[string]map[string]bool{
		"auth": nil, "integration": nil, "group": nil, "secret": nil,
		"policy":   {"show": true, "eval": true},
		"manifest": {"check": true},
	}
	leaves = map[string]bool{
		"ref": true,
		// The top-level aliases of `group ...`.
		"list": true, "get": true, "create": true, "update": true, "delete": true,
	}
)

// valueFlags are the global flags that take their value as the next
// argument (as opposed to --flag=value).
var valueFlags = map[string]bool{
	"--host": true, "-host": true, "-o": true, "--output": true, "-output": true,
	"--policy": true, "-policy": true, "--timeout": true, "-timeout": true,
}

// NeedsPlugin guesses from argv (os.Args) whether the command will start the
// plugin. Invoked as the `tfy` shim, only `tfy secrets ...` is ours. Help
// and completion requests never start it.
func NeedsPlugin(argv []string) bool {
	if len(argv) == 0 {
		return false
	}
	args := argv[1:]
	if base := argv[0][strings.LastIndexByte(argv[0], os.PathSeparator)+1:]; base == "tfy" {
		if len(args) == 0 || args[0] != "secrets" {
			return false
		}
		args = args[1:]
	}
	var words []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--":
			i = len(args)
		case a == "-h" || a == "--help" || a == "-help" || a == "--generate-bash-completion":
			return false
		case len(a) > 1 && a[0] == '-':
			if valueFlags[a] {
				i++
			}
		case len(words) < 2:
			words = append(words, a)
		}
	}
	switch {
	case len(words) == 0:
		return false
	case leaves[words[0]]:
		return true
	}
	subs, ok := groups[words[0]]
	if !ok || len(words) < 2 {
		return false
	}
	return subs == nil || subs[words[1]]
}
