package spawn

import (
	"os"
	"strings"
	"sync"
)

// early is the plugin Early started, until TakeEarly hands it out.
var early struct {
	mu   sync.Mutex
	done chan struct{} // closed when the start has finished; nil without Early
	p    *Process
}

// Early starts the plugin in the background for TakeEarly to collect: the
// one named by $TFY_SECRETS_PLUGIN, else the one beside the host's
// executable (the launcher's first two places; the PATH search needs
// os/exec, which initialises too late for this). The host's main calls it
// from one of its first package initialisers when the command line names a
// command that needs the plugin: the plugin's start (exec, runtime and
// package initialisation, several milliseconds) then runs beside the host's
// own instead of after it.
//
// The launcher adopts the early plugin only if it is the one its own search
// finds (Process.Runs); otherwise, and after a failed early start, it
// starts the plugin on demand and reports any failure with its usual
// messages. Call Early at most once, before main.
func Early() {
	done := make(chan struct{})
	early.done = done
	go func() {
		defer close(done)
		path := os.Getenv(EnvPlugin)
		if path == "" {
			exe, err := os.Executable()
			if err != nil {
				return
			}
			path = exe[:strings.LastIndexByte(exe, os.PathSeparator)+1] + PluginBinary
		}
		if p, err := Start(path); err == nil {
			early.mu.Lock()
			early.p = p
			early.mu.Unlock()
		}
	}()
}

// TakeEarly returns the plugin Early started, waiting for its start to
// finish, or nil when there is none (no Early, a failed start, or already
// taken). Only one caller gets it; that caller owns it.
func TakeEarly() *Process {
	if early.done == nil {
		return nil
	}
	<-early.done
	early.mu.Lock()
	defer early.mu.Unlock()
	p := early.p
	early.p = nil
	return p
}

// DiscardEarly ends a plugin that Early started and nobody took: the
// command turned out not to need it. The host's main calls it before
// exiting.
func DiscardEarly() {
	if p := TakeEarly(); p != nil {
		p.Discard()
	}
}
