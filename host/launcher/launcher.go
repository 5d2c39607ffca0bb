// Package launcher owns starting the tfy-secrets plugin for the host: finding
// the binary, verifying its SHA-256 before it runs, starting it with
// go-plugin over mutually authenticated gRPC on a unix socket in a private
// directory, and making sure it stops: on success, on error, on Ctrl-C or
// SIGTERM, and (through the plugin's parent watch) when the host itself is
// killed. It must not interpret what the plugin says: the returned
// plugin.Service is the boundary's own client.
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

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// Options says how to start the plugin.
type Options struct {
	// Debug shows go-plugin's and the plugin's diagnostics on Stderr. They
	// never carry secret values; without Debug they are discarded.
	Debug bool
	// Stderr receives the diagnostics; nil means os.Stderr.
	Stderr io.Writer
}

// Start finds, verifies and starts the plugin and returns the Service to
// call and a stop function that kills the plugin and removes its socket
// directory; call stop exactly when done (it is safe to call twice). When
// ctx ends the plugin is killed at once, and calls in flight return
// context.Cause(ctx) (see NotifyContext).
func Start(ctx context.Context, opts Options) (plugin.Service, func(), error) {
	return start(ctx, opts, system)
}

func start(ctx context.Context, opts Options, loc locator) (plugin.Service, func(), error) {
	go warmProcessStart()
	// Both ends' certificates (~0.7 ms of ECDSA) are made beside the
	// search and verification below, which mostly wait on the file system.
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
	path, err := loc.find()
	if err != nil {
		return nil, nil, fmt.Errorf("find plugin: %w", err)
	}
	sum, err := expectedSum(path)
	if err != nil {
		return nil, nil, fmt.Errorf("verify plugin: %w", err)
	}
	bin, verified, err := verify(path, sum)
	if err != nil {
		return nil, nil, fmt.Errorf("verify plugin: %w", err)
	}
	defer bin.Close()
	// go-plugin only makes a private socket directory for custom runners;
	// with the default one the plugin would put its socket straight into
	// the shared temp directory. MkdirTemp creates it 0700.
	sockDir, err := os.MkdirTemp("", "tfy-secrets-")
	if err != nil {
		return nil, nil, failure.Wrap(failure.Unexpected, err, "cannot create a private directory for the plugin socket").
			WithHint("check that $TMPDIR exists and is writable")
	}
	// Needed only until the child has executed it, which client.Client
	// below waits for.
	name, release := execTarget(bin, path, sockDir)
	defer release()

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
	logger.Debug("plugin verified", "path", path, "how", verified)

	// The plugin's half of the certificates travels on an inherited pipe
	// (plugin.TLSFD). The material is far below the pipe's buffer, so the
	// write completes before the plugin exists.
	id := <-made
	hostTLS, material, err := id.host, id.material, id.err
	if err != nil {
		_ = os.RemoveAll(sockDir)
		return nil, nil, failure.Wrap(failure.Unexpected, err, "cannot make the plugin's TLS certificates")
	}
	tlsR, tlsW, err := os.Pipe()
	if err != nil {
		_ = os.RemoveAll(sockDir)
		return nil, nil, failure.Wrap(failure.Unexpected, err, "cannot make a pipe for the plugin's TLS certificates")
	}
	_, err = tlsW.Write(material)
	if cerr := tlsW.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = tlsR.Close()
		_ = os.RemoveAll(sockDir)
		return nil, nil, failure.Wrap(failure.Unexpected, err, "cannot hand the plugin its TLS certificates")
	}
	// The child has its own copy once started; ours closes on every path.
	defer tlsR.Close()

	cmd := exec.Command(name)
	cmd.Args[0] = path
	cmd.ExtraFiles = []*os.File{tlsR} // plugin.TLSFD
	cmd.Env = append(pluginEnv(os.Environ()),
		goplugin.EnvUnixSocketDir+"="+sockDir,
		plugin.EnvParentPID+"="+strconv.Itoa(os.Getpid()),
	)
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig: plugin.Handshake,
		Plugins:         plugin.PluginMap,
		Cmd:             cmd,
		SkipHostEnv:     true, // cmd.Env already has it; go-plugin would append a second copy
		// SecureConfig stays nil: verify has checked the very file
		// executed, which go-plugin's path-based check cannot.
		TLSConfig:        hostTLS, // instead of AutoMTLS's P-521 keys: see plugin.NewTLS
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Logger:           logger,
		SyncStdout:       stdio,
		SyncStderr:       stdio,
	})

	watchDone := make(chan struct{})
	var once sync.Once
	stop := func() {
		once.Do(func() {
			close(watchDone)
			// Once the host is done, the plugin has nothing left to
			// save: every call finishes its writes (API, keyring,
			// files, compilation cache) before it answers. A graceful
			// goodbye would only cost the command the plugin's
			// shutdown (~3 ms), so without --debug (which wants the
			// plugin's last log lines) SIGKILL ends it first.
			// client.Kill then finds it gone and only waits until it
			// is reaped: the host never leaves a zombie for an init
			// that may not collect it (containers).
			if p := cmd.Process; p != nil && !opts.Debug {
				_ = p.Kill()
			}
			client.Kill()
			_ = os.RemoveAll(sockDir)
		})
	}
	go func() {
		select {
		case <-ctx.Done():
			client.Kill()
		case <-watchDone:
		}
	}()

	rpc, err := client.Client()
	if err != nil {
		stop()
		return nil, nil, fmt.Errorf("start plugin: %w", startFailure(ctx, path, err))
	}
	raw, err := rpc.Dispense(plugin.Name)
	if err != nil {
		stop()
		return nil, nil, fmt.Errorf("start plugin: %w", startFailure(ctx, path, err))
	}
	// A cancellation that raced with the start may have found nothing to
	// kill yet; honour it now rather than hand out a doomed Service.
	if ctx.Err() != nil {
		stop()
		return nil, nil, fmt.Errorf("start plugin: %w", context.Cause(ctx))
	}
	svc, ok := raw.(plugin.Service)
	if !ok {
		stop()
		return nil, nil, failure.New(failure.Unexpected, "the plugin at %s does not serve tfy-secrets", path).
			WithHint("reinstall tfy-secrets so that the host and the plugin come from the same release")
	}
	return svc, stop, nil
}

// startFailure explains why the plugin did not come up.
func startFailure(ctx context.Context, path string, err error) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return failure.Wrap(failure.Unexpected, err, fmt.Sprintf("the tfy-secrets plugin at %s did not start", path)).
		WithHint("rerun with --debug to see the plugin's own diagnostics; reinstall if the host and plugin versions differ")
}
