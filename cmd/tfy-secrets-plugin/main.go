// Command tfy-secrets-plugin is the tfy-secrets plugin: the host starts it
// through go-plugin and it serves internal/service (credentials, the
// TrueFoundry API, WASM policies, provider rules) over gRPC. Run by hand it
// prints one line saying so and exits 2.
//
// It only wires and runs; every decision lives in internal/service.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/tfy-secrets/tfy-secrets/internal/service/wiring"
	"github.com/tfy-secrets/tfy-secrets/plugin"

	// Grows the main goroutine's stack before the heavy initialisers run.
	_ "github.com/tfy-secrets/tfy-secrets/cmd/internal/stackstart"
)

func main() { os.Exit(run()) }

func run() int {
	if !plugin.Launched() {
		fmt.Fprintln(os.Stderr, plugin.RunByHand)
		return 2
	}
	// Diagnostics go to stderr, which the host shows only with --debug;
	// the service writes there only for calls made with --debug, and only
	// redacted lines.
	svc, err := wiring.New(wiring.Config{Debug: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, "tfy-secrets-plugin: "+err.Error())
		return 1
	}
	if err := plugin.Serve(svc); err != nil && !errors.Is(err, plugin.ErrParentGone) {
		fmt.Fprintln(os.Stderr, "tfy-secrets-plugin: "+err.Error())
		return 1
	}
	return 0
}
