// Package prestart starts the plugin from the host's first package
// initialiser when the command line names a command that talks to it, so
// that the plugin's start (exec, Go runtime, package initialisation, about
// 6 ms) runs beside the host's own initialisation (about 5 ms, mostly gRPC,
// protobuf and go-plugin) instead of after it. The launcher takes the
// started plugin when the command first needs it (spawn.TakePrestarted), and
// main discards it when the command never did (spawn.DiscardPrestarted).
//
// The guess only decides when the plugin starts, never whether a command
// works: a command that needs the plugin and was not guessed starts it on
// demand, and a plugin started for nothing is killed before the host
// exits. So the guess reads the command words and nothing else, and must
// stay cheap and free of heavy imports: Go initialises packages in
// import-path order, each after its own imports, and this one must run
// before google.golang.org and github.com/hashicorp (a process test of the
// host checks that).
//
// That is also why it cannot read the command tree itself: building the
// tree needs those packages initialised. Its tables (tables.go) are
// generated from the tree instead, and the tests fail when they differ
// from it.
package prestart

//go:generate go run gen.go

import (
	"os"
	"strings"

	"github.com/tfy-secrets/tfy-secrets/host/launcher/spawn"
)

func init() {
	if NeedsPlugin(os.Args) {
		spawn.Prestart()
	}
}

// NeedsPlugin guesses from argv (os.Args) whether the command will start the
// plugin. Invoked as the `tfy` shim, only `tfy secrets ...` is ours. Help
// and completion requests never start it.
func NeedsPlugin(argv []string) bool {
	if len(argv) == 0 {
		return false
	}
	args := argv[1:]
	if isShim(argv[0]) {
		if len(args) == 0 || args[0] != shimCommand {
			return false
		}
		args = args[1:]
	}
	if len(args) > 0 && args[len(args)-1] == legacyComplete {
		return false
	}
	// Like cmdutil.Normalize: flags may come anywhere (only the top
	// level's before the command words end), a value flag without =VALUE
	// takes the next argument, and everything after -- is positional.
	path := ""
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--":
			i = len(args)
		case len(a) > 1 && a[0] == '-':
			name, _, hasValue := strings.Cut(strings.TrimPrefix(a[1:], "-"), "=")
			if isHelp(name) {
				return false
			}
			if takesValue(name) && !hasValue {
				i++
			}
		case path == "":
			path = a
		case isGroup(path):
			path += " " + a
		}
	}
	return usesPlugin(path)
}

// isShim is package host's test of argv[0], without path/filepath (see
// the package doc): the base name is tfy or tfy.exe.
func isShim(argv0 string) bool {
	base := argv0[max(strings.LastIndexByte(argv0, '/'), strings.LastIndexByte(argv0, os.PathSeparator))+1:]
	return strings.TrimSuffix(base, ".exe") == shimName
}
