// Command tfy-emulator runs the local TrueFoundry secrets API emulator
// (internal/emulator) on a loopback address until SIGINT or SIGTERM. It only
// wires flags to emulator.Options and prints the start-up lines; it holds no
// logic of its own.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/tfy-secrets/tfy-secrets/internal/emulator"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// apiKeys collects repeated --api-key flags unparsed: the flag package
// quotes a value it failed to set in its error, and a key must not be
// echoed, so parsing happens after flag.Parse.
type apiKeys []string

func (k *apiKeys) String() string { return fmt.Sprintf("%d key(s)", len(*k)) }

func (k *apiKeys) Set(s string) error {
	*k = append(*k, s)
	return nil
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tfy-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts emulator.Options
	var keys apiKeys
	fs.StringVar(&opts.Addr, "addr", "127.0.0.1:8765", "loopback `host:port` to listen on; port 0 picks a free port")
	fs.StringVar(&opts.Tenant, "tenant", "demo", "tenant `name` used in every FQN")
	fs.Var(&keys, "api-key", "accepted bearer token `KEY[:admin|editor|viewer]` (repeatable; default: one generated admin key)")
	fs.StringVar(&opts.StatePath, "state", "", "persist state to `FILE` (created 0600, replaced atomically)")
	fs.BoolVar(&opts.NoSecretStore, "no-secret-store", false, "start without any secret-store integration")
	fs.BoolVar(&opts.DisableValueView, "disable-value-view", false, "omit secret values from every response")
	fs.BoolVar(&opts.FullIntegrationType, "full-integration-type", false, "put the full manifest type, not the category, in the \"type\" of /provider-integrations items")
	fs.BoolVar(&opts.OmitGroupName, "omit-group-name", false, "leave \"name\" out of groups, as the current API schema does (clients read manifest.name)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "error: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	for _, raw := range keys {
		key, err := emulator.ParseAPIKey(raw)
		if err != nil {
			fmt.Fprintf(stderr, "error: --api-key: %s\n", err)
			return 2
		}
		opts.APIKeys = append(opts.APIKeys, key)
	}

	// Catch signals before announcing readiness, so a test that signals
	// right after the first line cannot kill us mid-setup.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	srv, err := emulator.NewServer(opts)
	if err != nil {
		fmt.Fprintf(stderr, "error: %s\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "tfy-emulator listening on %s\nexport TFY_BASE_URL=%s\nexport TFY_API_KEY=%s\n",
		srv.URL(), srv.URL(), shellQuote(srv.APIKey()))

	<-ctx.Done()
	stop() // a second Ctrl-C during shutdown kills at once
	if err := srv.Stop(); err != nil {
		fmt.Fprintf(stderr, "error: %s\n", err)
		return 1
	}
	fmt.Fprintln(stderr, "tfy-emulator stopped")
	return 0
}

// shellQuote leaves plain keys as they are and single-quotes anything a
// shell would interpret, so the export line can be eval'd.
func shellQuote(s string) string {
	if strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
