// Package hosttest holds test helpers for the host's commands: a recording
// fake of plugin.Service and a way to parse one command's arguments without
// running it. Fakes live here, never in production code paths.
package hosttest

import (
	"context"
	"errors"
	"io"
	"slices"
	"sync"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/iostreams"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// Service is a fake plugin.Service: it returns the canned fields and records
// every request. Err, when set for a method name ("Plan", "GetGroup", ...),
// is returned instead.
type Service struct {
	mu       sync.Mutex
	calls    []string
	requests []any

	StatusResult  plugin.AuthStatus
	Integrations  []plugin.Integration
	Groups        []plugin.Group
	Detail        plugin.GroupDetail
	Secret        plugin.SecretInfo
	Versions      []plugin.Version
	RefResult     string
	PlanResult    plugin.Plan
	ApplyResult   plugin.Result
	PolicyInfo    plugin.PolicyInfo
	Decision      []byte
	Err           map[string]error
	LoginReceived []plugin.LoginRequest
}

var _ plugin.Service = (*Service)(nil)

func (s *Service) record(name string, req any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, name)
	s.requests = append(s.requests, req)
	return s.Err[name]
}

// Calls returns the method names called, in order.
func (s *Service) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// Request returns the request of the last call to method, or nil.
func (s *Service) Request(method string) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.calls) - 1; i >= 0; i-- {
		if s.calls[i] == method {
			return s.requests[i]
		}
	}
	return nil
}

func (s *Service) Login(_ context.Context, req plugin.LoginRequest) (plugin.AuthStatus, error) {
	s.mu.Lock()
	s.LoginReceived = append(s.LoginReceived, req)
	s.mu.Unlock()
	return s.StatusResult, s.record("Login", req)
}

func (s *Service) Logout(_ context.Context, call plugin.Call) error {
	return s.record("Logout", call)
}

func (s *Service) Status(_ context.Context, call plugin.Call) (plugin.AuthStatus, error) {
	return s.StatusResult, s.record("Status", call)
}

func (s *Service) ListIntegrations(_ context.Context, req plugin.IntegrationsRequest) ([]plugin.Integration, error) {
	return s.Integrations, s.record("ListIntegrations", req)
}

func (s *Service) ListGroups(_ context.Context, req plugin.ListGroupsRequest, yield func(plugin.Group) error) error {
	if err := s.record("ListGroups", req); err != nil {
		return err
	}
	for _, g := range s.Groups {
		if err := yield(g); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) GetGroup(_ context.Context, req plugin.GetGroupRequest) (plugin.GroupDetail, error) {
	return s.Detail, s.record("GetGroup", req)
}

func (s *Service) GetSecret(_ context.Context, req plugin.SecretRequest) (plugin.SecretInfo, error) {
	return s.Secret, s.record("GetSecret", req)
}

func (s *Service) SecretVersions(_ context.Context, req plugin.SecretRequest) ([]plugin.Version, error) {
	return s.Versions, s.record("SecretVersions", req)
}

func (s *Service) Ref(_ context.Context, req plugin.RefRequest) (string, error) {
	return s.RefResult, s.record("Ref", req)
}

func (s *Service) Plan(_ context.Context, req plugin.MutationRequest) (plugin.Plan, error) {
	return s.PlanResult, s.record("Plan", req)
}

func (s *Service) Apply(_ context.Context, req plugin.ApplyRequest) (plugin.Result, error) {
	return s.ApplyResult, s.record("Apply", req)
}

func (s *Service) PolicyShow(_ context.Context, call plugin.Call) (plugin.PolicyInfo, error) {
	return s.PolicyInfo, s.record("PolicyShow", call)
}

func (s *Service) PolicyEval(_ context.Context, req plugin.PolicyEvalRequest) ([]byte, error) {
	return s.Decision, s.record("PolicyEval", req)
}

// Start returns a StartFunc serving svc and counting starts.
//
// A nil svc makes the start fail, for commands that must not start it.
func Start(svc plugin.Service, starts *int) cmdutil.StartFunc {
	return func(context.Context, bool, io.Writer) (plugin.Service, func(), error) {
		*starts++
		if svc == nil {
			return nil, nil, errors.New("hosttest: this command must not start the plugin")
		}
		return svc, func() {}, nil
	}
}

// Env is a fake environment for Factory.LookupEnv.
func Env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

// Factory returns a Factory over test streams and env, whose plugin start
// fails the test if a command needs it unexpectedly (svc nil).
func Factory(ios *iostreams.IOStreams, env map[string]string, svc plugin.Service) *cmdutil.Factory {
	var starts int
	f := cmdutil.NewFactory(ios, Start(svc, &starts))
	f.LookupEnv = Env(env)
	f.Executable = func() (string, error) { return "/nonexistent/tfy-secrets", nil }
	f.LookPath = func(string) (string, error) { return "", io.EOF }
	return f
}

// Parse runs only cmd's parsing and validation on args (flags may come
// before or after positionals, as on the real command line). The command's
// runF decides what happens after parsing.
func Parse(cmd *cli.Command, args ...string) error {
	app := &cli.App{
		Name:                      "tfy-secrets",
		Commands:                  []*cli.Command{cmd},
		Writer:                    io.Discard,
		ErrWriter:                 io.Discard,
		DisableSliceFlagSeparator: true,
		HideHelpCommand:           true,
		ExitErrHandler:            func(*cli.Context, error) {},
		OnUsageError:              func(_ *cli.Context, err error, _ bool) error { return cmdutil.UsageError("%v", err) },
	}
	cmd.OnUsageError = app.OnUsageError
	argv, _ := cmdutil.Normalize(app, append([]string{"tfy-secrets", cmd.Name}, args...))
	return app.Run(argv)
}
