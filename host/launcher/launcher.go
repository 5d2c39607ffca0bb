// Package launcher owns the host's connection to the tfy-secrets plugin:
// taking the plugin process that package spawn started (early, beside the
// host's own start, or on demand), connecting to it with go-plugin over
// mutually authenticated gRPC on a unix socket in a private directory, and
// making sure it stops: on success, on error, on Ctrl-C or SIGTERM, and
// (through the plugin's parent watch) when the host itself is killed. It
// must not interpret what the plugin says: the returned plugin.Service is
// the boundary's own client.
package launcher

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-plugin/runner"

	"github.com/tfy-secrets/tfy-secrets/host/launcher/spawn"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// Options says how to start the plugin.
type Options struct {
	// Debug shows go-plugin's and the plugin's diagnostics on Stderr. They
	// never carry secret values; without Debug they are discarded.
	Debug bool
	// Stderr receives the diagnostics, and the note that the host waits
	// for an interrupted write's report; nil means os.Stderr.
	Stderr io.Writer
	// Timeout is the command's --timeout, which the plugin enforces on
	// each call; the host gives each call CallGrace more before it takes
	// the plugin for hung. Zero: DefaultCallBound.
	Timeout time.Duration

	// Tests shorten the bounds with these.
	callBound, applyGrace time.Duration
}

// Start connects to the plugin that the host's main started early (see
// spawn.Prestart) if it is the one the search below finds, or else finds,
// verifies and starts one. It returns the Service to call and a stop
// function that kills the plugin and removes its socket directory; call
// stop exactly when done (it is safe to call twice). When ctx ends while
// the plugin starts, or while a call runs, the plugin is killed at once
// and the call returns context.Cause(ctx) (see NotifyContext); an Apply
// first gets to report what its write did (see guarded.Apply). A call
// that outlives its bound (--timeout and CallGrace, or DefaultCallBound)
// kills the plugin too.
func Start(ctx context.Context, opts Options) (plugin.Service, func(), error) {
	return start(ctx, opts, spawn.TakePrestarted, system)
}

func start(ctx context.Context, opts Options, early func() *spawn.Process, loc locator) (plugin.Service, func(), error) {
	// Both ends' certificates (~0.7 ms of ECDSA) are made beside the
	// search and the plugin's start.
	type identities struct {
		host     *tls.Config
		material []byte
		err      error
	}
	made := make(chan identities, 1) // buffered: an early return leaves no goroutine behind
	go func() {
		host, material, err := plugin.NewTLS()
		made <- identities{host, material, err}
	}()
	p := early()
	path, err := loc.find()
	if err != nil {
		if p != nil {
			p.Discard()
		}
		return nil, nil, fmt.Errorf("find plugin: %w", err)
	}
	started := "with the host"
	if p != nil && !p.Runs(path) {
		p.Discard()
		p = nil
	}
	if p == nil {
		started = "on demand"
		if p, err = spawn.Start(path); err != nil {
			return nil, nil, err
		}
	}

	stderr := opts.Stderr
	if stderr == nil {
		stderr = os.Stderr
	}
	// go-plugin moves the plugin's os.Stdout/os.Stderr onto a gRPC stream
	// once it serves (SyncStdout/SyncStderr here); what it wrote to fd 2
	// before that, and its hclog lines, arrive through Logger. Both are
	// diagnostics, shown only with --debug.
	logger := hclog.NewNullLogger()
	stdio := io.Discard
	if opts.Debug {
		logger = hclog.New(&hclog.LoggerOptions{Name: "tfy-secrets", Level: hclog.Debug, Output: stderr})
		stdio = stderr
	}
	logger.Debug("plugin verified", "path", p.Path, "how", p.Verified, "started", started)

	id := <-made
	if id.err != nil {
		p.Discard()
		return nil, nil, failure.Wrap(failure.Unexpected, id.err, "cannot make the plugin's TLS certificates")
	}
	if err := p.SendTLS(id.material); err != nil {
		p.Discard()
		return nil, nil, err
	}
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig: plugin.Handshake,
		Plugins:         plugin.PluginMap,
		// The plugin is already running: spawn started it with the
		// handshake's environment and verified the very file it runs
		// (so no SecureConfig, whose path-based check could not).
		// go-plugin makes a socket directory of its own for custom
		// runners (inside ours, here), which the plugin does not use:
		// removed at once, it cannot be left behind.
		RunnerFunc: func(_ hclog.Logger, _ *exec.Cmd, unused string) (runner.Runner, error) {
			_ = os.Remove(unused)
			return adopted{p}, nil
		},
		UnixSocketConfig: &goplugin.UnixSocketConfig{TempDir: p.SockDir},
		TLSConfig:        id.host, // instead of AutoMTLS's P-521 keys: see plugin.NewTLS
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Logger:           logger,
		SyncStdout:       stdio,
		SyncStderr:       stdio,
	})

	serving := make(chan struct{})
	var once sync.Once
	stop := func() {
		once.Do(func() {
			// Once the host is done, the plugin has nothing left to
			// save: every call finishes its writes (API, keyring,
			// files, compilation cache) before it answers. A graceful
			// goodbye would only cost the command the plugin's
			// shutdown (~3 ms), so without --debug (which wants the
			// plugin's last log lines) SIGKILL ends it first.
			// client.Kill then finds it gone and only waits until it
			// is reaped: the host never leaves a zombie for an init
			// that may not collect it (containers).
			if !opts.Debug {
				_ = p.Kill()
			}
			client.Kill()
			p.Discard()
		})
	}
	// Until the plugin serves, a cancellation kills it here; afterwards
	// each call watches its own context (guarded).
	go func() {
		select {
		case <-ctx.Done():
			client.Kill()
		case <-serving:
		}
	}()
	defer close(serving)

	rpc, err := client.Client()
	if err != nil {
		stop()
		return nil, nil, startFailure(ctx, p.Path, err)
	}
	raw, err := rpc.Dispense(plugin.Name)
	if err != nil {
		stop()
		return nil, nil, startFailure(ctx, p.Path, err)
	}
	// A cancellation that raced with the start may have found nothing to
	// kill yet; honour it now rather than hand out a doomed Service.
	if ctx.Err() != nil {
		stop()
		return nil, nil, context.Cause(ctx)
	}
	c, ok := raw.(*plugin.GRPCClient)
	if !ok {
		stop()
		return nil, nil, failure.New(failure.Unexpected, "the plugin at %s does not serve tfy-secrets", p.Path).
			WithHint("reinstall tfy-secrets so that the host and the plugin come from the same release")
	}
	return newGuarded(c, func() { _ = p.Kill() }, func() bool { return client.Exited() || p.Exited() }, opts, stderr), stop, nil
}

// adopted is the go-plugin runner of a plugin that spawn already started:
// go-plugin reads its handshake line and logs, and waits for and kills it,
// but does not start it.
type adopted struct{ p *spawn.Process }

func (a adopted) Start(context.Context) error                    { return nil }
func (a adopted) Diagnose(context.Context) string                { return "" }
func (a adopted) Stdout() io.ReadCloser                          { return a.p.Stdout }
func (a adopted) Stderr() io.ReadCloser                          { return a.p.Stderr }
func (a adopted) Name() string                                   { return a.p.Path }
func (a adopted) ID() string                                     { return strconv.Itoa(a.p.Pid()) }
func (a adopted) Wait(context.Context) error                     { return a.p.Wait() }
func (a adopted) Kill(context.Context) error                     { return a.p.Kill() }
func (adopted) PluginToHost(n, a string) (string, string, error) { return n, a, nil }
func (adopted) HostToPlugin(n, a string) (string, string, error) { return n, a, nil }

// startFailure explains why the plugin did not come up.
func startFailure(ctx context.Context, path string, err error) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return failure.Wrap(failure.Unexpected, err, fmt.Sprintf("the tfy-secrets plugin at %s did not start", path)).
		WithHint("rerun with --debug to see the plugin's own diagnostics; reinstall if the host and plugin versions differ")
}
