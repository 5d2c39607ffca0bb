package plugin

import (
	"context"
	"errors"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/tfy-secrets/tfy-secrets/plugin/handshake"
	pb "github.com/tfy-secrets/tfy-secrets/plugin/proto"
)

// Handshake is the contract between a host and a plugin binary: go-plugin
// refuses to connect them unless both agree. Its values live in package
// handshake, which the host uses to start the plugin before go-plugin runs.
var Handshake = goplugin.HandshakeConfig{
	ProtocolVersion:  handshake.ProtocolVersion,
	MagicCookieKey:   handshake.CookieKey,
	MagicCookieValue: handshake.CookieValue,
}

// Name is the one plugin the binary serves, the key of PluginMap.
const Name = "secrets"

// RunByHand is what the plugin binary prints when a person runs it.
const RunByHand = "tfy-secrets-plugin is a plugin of tfy-secrets; run `tfy-secrets` instead"

// ErrNotLaunched is returned by Serve when the binary was not started by the
// host (no magic cookie in the environment).
var ErrNotLaunched = errors.New(RunByHand)

// ErrParentGone is returned by Serve when it stopped because the host
// process died without shutting the plugin down.
var ErrParentGone = errors.New("the tfy-secrets host went away")

// PluginMap is the client-side plugin set; the host dispenses Name from it.
var PluginMap = map[string]goplugin.Plugin{Name: &GRPCPlugin{}}

// GRPCPlugin is the go-plugin glue: on the plugin side it registers Impl,
// on the host side it builds a GRPCClient.
type GRPCPlugin struct {
	goplugin.NetRPCUnsupportedPlugin
	Impl Service
}

var _ goplugin.GRPCPlugin = (*GRPCPlugin)(nil)

// GRPCServer registers Impl behind the generated service.
func (p *GRPCPlugin) GRPCServer(_ *goplugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterSecretsServer(s, &GRPCServer{Impl: p.Impl})
	return nil
}

// GRPCClient returns the Service the host calls.
func (p *GRPCPlugin) GRPCClient(_ context.Context, _ *goplugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return NewGRPCClient(pb.NewSecretsClient(c)), nil
}

// Launched reports whether the host started this process: go-plugin puts the
// magic cookie in the environment. The plugin's main checks it first so a
// person running the binary gets one line of explanation instead of
// go-plugin's handshake output.
func Launched() bool {
	return os.Getenv(Handshake.MagicCookieKey) == Handshake.MagicCookieValue
}

// parentPollInterval bounds how long a plugin outlives a host that was
// killed outright (SIGKILL gives the host no chance to stop it).
const parentPollInterval = 200 * time.Millisecond

// Serve serves impl to the host until the host shuts the plugin down
// (returns nil) or the host process disappears (returns ErrParentGone). It
// returns ErrNotLaunched at once when the host did not start this process.
// Diagnostics go to stderr as hclog JSON, which the host shows only with
// --debug; they never include request contents.
func Serve(impl Service) error {
	if !Launched() {
		return ErrNotLaunched
	}
	var (
		mu     sync.Mutex
		server *grpc.Server
	)
	done := make(chan struct{})
	gone := make(chan struct{})
	if parent, err := strconv.Atoi(os.Getenv(handshake.EnvParentPID)); err == nil && parent > 0 {
		go watchParent(parent, done, gone, func() {
			mu.Lock()
			defer mu.Unlock()
			if server != nil {
				server.Stop()
			}
		})
	}
	goplugin.Serve(&goplugin.ServeConfig{
		HandshakeConfig: Handshake,
		Plugins:         map[string]goplugin.Plugin{Name: &GRPCPlugin{Impl: impl}},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			mu.Lock()
			defer mu.Unlock()
			server = goplugin.DefaultGRPCServer(opts)
			return server
		},
		// The host's certificate and ours arrive on handshake.TLSFD (see mtls.go).
		TLSProvider: ReadTLS,
		Logger:      hclog.New(&hclog.LoggerOptions{Name: "tfy-secrets-plugin", Level: hclog.Debug, Output: os.Stderr, JSONFormat: true}),
	})
	close(done)
	select {
	case <-gone:
		// The host cannot remove the private socket directory it made for
		// us any more; the listener already removed the socket, so this
		// removes an empty directory (and nothing else: Remove refuses a
		// non-empty one).
		if dir := os.Getenv(handshake.EnvUnixSocketDir); dir != "" {
			_ = os.Remove(dir)
		}
		return ErrParentGone
	default:
		return nil
	}
}

// watchParent polls for the host's death: once this process is re-parented
// (to init or a subreaper) the host is gone, and nobody would ever stop the
// plugin. It keeps calling stop until the server exists and Serve returns.
func watchParent(parent int, done <-chan struct{}, gone chan<- struct{}, stop func()) {
	ticker := time.NewTicker(parentPollInterval)
	defer ticker.Stop()
	signalled := false
	for {
		if os.Getppid() != parent {
			if !signalled {
				close(gone)
				signalled = true
			}
			stop()
		}
		select {
		case <-done:
			return
		case <-ticker.C:
		}
	}
}
