// Command tfy-secrets is the host: the `tfy secrets` command tree. main
// only wires the real process (streams, environment, plugin launcher) into
// host.Main and exits with its code.
package main

import (
	"context"
	"os"
	"os/exec"

	"github.com/tfy-secrets/tfy-secrets/host"
	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/iostreams"
	"github.com/tfy-secrets/tfy-secrets/host/launcher"
	"github.com/tfy-secrets/tfy-secrets/host/launcher/spawn"
	"github.com/tfy-secrets/tfy-secrets/internal/version"
	"github.com/tfy-secrets/tfy-secrets/plugin"

	// Grows the main goroutine's stack before the heavy initialisers run.
	_ "github.com/tfy-secrets/tfy-secrets/cmd/internal/stackstart"
	// Starts the plugin beside those initialisers when the command needs it.
	_ "github.com/tfy-secrets/tfy-secrets/cmd/tfy-secrets/internal/prestart"
)

func main() {
	ctx, stop := launcher.NotifyContext(context.Background())
	code := host.Main(ctx, host.Process{
		Args:       os.Args,
		IOStreams:  iostreams.System(),
		LookupEnv:  os.LookupEnv,
		Environ:    os.Environ,
		Executable: os.Executable,
		LookPath:   exec.LookPath,
		Start: func(ctx context.Context, opts cmdutil.StartOptions) (plugin.Service, func(), error) {
			return launcher.Start(ctx, launcher.Options{Debug: opts.Debug, Stderr: opts.Stderr, Timeout: opts.Timeout})
		},
		Version: version.Version,
	})
	// A plugin started early for a command that turned out not to need
	// it (help, a usage error) must not outlive the host.
	spawn.DiscardPrestarted()
	stop()
	os.Exit(code)
}
