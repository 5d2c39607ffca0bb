// Package cmdutil holds what every host command shares: the Factory with its
// lazily started plugin, the global flags and their reading into each
// command's Options, the confirmation flow of mutations and the report of
// one whose write ended abnormally, the checks of GROUP, SECRET and KEY
// arguments, and the typed errors that decide exit codes.
//
// It must not print data itself (render does) nor talk to TrueFoundry: the
// only way out of the host is plugin.Service.
package cmdutil

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/tfy-secrets/tfy-secrets/host/iostreams"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// Environment variables the host reads itself. The plugin reads the
// credential and base-URL variables; the host never does.
const (
	EnvPolicy = "TFY_SECRETS_POLICY"
	EnvDebug  = "TFY_DEBUG"
	EnvCI     = "CI"
)

// StartFunc starts the plugin and returns its Service and a function that
// stops it. The host's main wires the launcher in here.
type StartFunc func(ctx context.Context, opts StartOptions) (plugin.Service, func(), error)

// StartOptions are what the launcher needs from the command line.
type StartOptions struct {
	Debug  bool      // --debug: the plugin's diagnostics on Stderr
	Stderr io.Writer // diagnostics and notes for the person
	// Timeout is --timeout, which the host too holds every call to (with a
	// grace), so that a plugin that cannot answer does not hold it for ever.
	Timeout time.Duration
}

// Factory hands commands their dependencies, which each command puts in
// its Options with the flags it parsed: runs never see the Factory.
// Everything expensive is lazy: the plugin process starts on the first call
// to a Session's Service, so `version`, `--help`, completion and argument
// errors never start it.
type Factory struct {
	IOStreams *iostreams.IOStreams
	// LookupEnv reads the environment (replaceable in tests).
	LookupEnv func(string) (string, bool)
	// Environ lists the environment as NAME=VALUE; shell completion offers
	// the names for --from-env. Nil means an empty environment.
	Environ func() []string
	// Executable is the path of the running binary, for finding helpers
	// installed beside it.
	Executable func() (string, error)
	// LookPath finds a program on PATH.
	LookPath func(string) (string, error)
	// Version is the build's version string.
	Version string

	start  StartFunc
	once   sync.Once
	svc    plugin.Service
	stop   func()
	svcErr error
}

// NewFactory returns a Factory whose plugin is started by start on demand.
func NewFactory(ios *iostreams.IOStreams, start StartFunc) *Factory {
	return &Factory{IOStreams: ios, start: start}
}

// Getenv returns an environment variable or "".
func (f *Factory) Getenv(name string) string {
	v, _ := f.LookupEnv(name)
	return v
}

// Session is what a command that talks to the plugin runs with besides its
// parsed options: the streams, and the plugin started with g's --debug and
// --timeout. Commands embed it in their Options.
type Session struct {
	IO *iostreams.IOStreams
	// Service returns the plugin, starting it on the first call.
	Service func(context.Context) (plugin.Service, error)
	// Restart stops the plugin, if one was started, and starts a new one:
	// after a plugin that crashed, hung or was killed, for one more read.
	Restart func(context.Context) (plugin.Service, error)
}

// Session returns the Session of a command line whose global options are g.
func (f *Factory) Session(g Globals) Session {
	opts := StartOptions{Debug: g.Debug, Stderr: f.IOStreams.ErrOut, Timeout: g.Timeout}
	return Session{
		IO:      f.IOStreams,
		Service: func(ctx context.Context) (plugin.Service, error) { return f.service(ctx, opts) },
		Restart: func(ctx context.Context) (plugin.Service, error) { return f.restart(ctx, opts) },
	}
}

// service starts the plugin with opts on first use and returns it.
func (f *Factory) service(ctx context.Context, opts StartOptions) (plugin.Service, error) {
	f.once.Do(func() {
		if f.start == nil {
			f.svcErr = failure.New(failure.Unexpected, "no plugin launcher configured")
			return
		}
		svc, stop, err := f.start(ctx, opts)
		if err != nil {
			f.svcErr = fmt.Errorf("start plugin: %w", err)
			return
		}
		f.svc, f.stop = svc, stop
	})
	return f.svc, f.svcErr
}

// restart stops the plugin, if one was started, and starts a new one with
// opts.
func (f *Factory) restart(ctx context.Context, opts StartOptions) (plugin.Service, error) {
	f.Close()
	if f.start == nil {
		return nil, failure.New(failure.Unexpected, "no plugin launcher configured")
	}
	svc, stop, err := f.start(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("start plugin: %w", err)
	}
	f.svc, f.stop, f.svcErr = svc, stop, nil
	return svc, nil
}

// Close stops the plugin if it was started.
func (f *Factory) Close() {
	if f.stop != nil {
		f.stop()
		f.stop = nil
	}
}

// EnvTrue reports whether a boolean-ish environment variable is set to true.
func (f *Factory) EnvTrue(name string) bool { return isTrue(f.Getenv(name)) }
