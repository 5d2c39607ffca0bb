package spawn

import (
	"os"
	"strings"
	"sync"
)

// early is the plugin Prestart started, until TakePrestarted hands it out.
var early struct {
	mu sync.Mutex
	p  *Process
}

// Prestart starts the plugin for TakePrestarted to collect: the one named by
// $TFY_SECRETS_PLUGIN, else the one beside the host's executable (the
// launcher's first two places; the PATH search needs os/exec, which
// initialises too late for this). The host's main calls it from one of its
// first package initialisers when the command line names a command that
// needs the plugin: the plugin's start (exec, runtime and package
// initialisation, several milliseconds) then runs beside the host's own
// instead of after it.
//
// It starts the plugin before it returns, holding up the host's own
// initialisation for about half a millisecond (a verification record
// checked, a directory, pipes, the exec), or for the hash when there is no
// record. From a goroutine the whole command took as long (the exec, racing
// the host's initialisation for the two cores, took 2 ms instead of 0.4),
// so the simpler way stays.
//
// The launcher adopts the early plugin only if it is the one its own search
// finds (Process.Runs); otherwise, and after a failed early start, it
// starts the plugin on demand and reports any failure with its usual
// messages. Call Prestart at most once.
func Prestart() {
	path := os.Getenv(EnvPlugin)
	if path == "" {
		exe, err := os.Executable()
		if err != nil {
			return
		}
		path = exe[:strings.LastIndexByte(exe, os.PathSeparator)+1] + PluginBinary
	}
	p, err := Start(path)
	if err != nil {
		return
	}
	early.mu.Lock()
	defer early.mu.Unlock()
	early.p = p
}

// TakePrestarted returns the plugin Prestart started, or nil when there is none
// (no Prestart, a failed start, or already taken). Only one caller gets it;
// that caller owns it.
func TakePrestarted() *Process {
	early.mu.Lock()
	defer early.mu.Unlock()
	p := early.p
	early.p = nil
	return p
}

// DiscardPrestarted ends a plugin that Prestart started and nobody took: the
// command turned out not to need it. The host's main calls it before
// exiting.
func DiscardPrestarted() {
	if p := TakePrestarted(); p != nil {
		p.Discard()
	}
}
