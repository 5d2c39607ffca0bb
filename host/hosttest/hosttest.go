// Package hosttest holds test helpers for the host's commands: canned
// answers for plugin/plugintest's recording fake, a pseudo-terminal, and a way to parse one command's arguments without
// running it. Fakes live here, never in production code paths.
package hosttest

import (
	"context"
	"errors"
	"io"
	"reflect"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/iostreams"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/plugin"
	"github.com/tfy-secrets/tfy-secrets/plugin/plugintest"
)

// Answers are canned results for the fake service. Err, when set for a
// method name ("PlanMutation", "GetGroup", ...), is returned instead.
type Answers struct {
	Status       plugin.AuthStatus
	Integrations []plugin.Integration
	Groups       []plugin.Group
	Detail       plugin.GroupDetail
	Secret       plugin.SecretInfo
	Versions     []plugin.Version
	Ref          string
	CheckRefs    plugin.CheckRefsResult
	Plan         plugin.Plan
	Result       plugin.Result
	PolicyInfo   plugin.PolicyInfo
	Decision     []byte
	Err          map[string]error
}

// Service is plugintest.Fake (which records every call) answering with
// fixed values, plus lookups of what was asked.
type Service struct {
	*plugintest.Fake
}

// Canned returns a fake service giving the answers a.
func Canned(a Answers) *Service {
	e := func(m string) error { return a.Err[m] }
	return &Service{Fake: &plugintest.Fake{
		LoginFunc:         func(context.Context, plugin.LoginRequest) (plugin.AuthStatus, error) { return a.Status, e("Login") },
		LogoutFunc:        func(context.Context, plugin.Call) (plugin.AuthStatus, error) { return a.Status, e("Logout") },
		GetAuthStatusFunc: func(context.Context, plugin.Call) (plugin.AuthStatus, error) { return a.Status, e("GetAuthStatus") },
		ListIntegrationsFunc: func(context.Context, plugin.IntegrationsRequest) ([]plugin.Integration, error) {
			return a.Integrations, e("ListIntegrations")
		},
		ListGroupsFunc: func(_ context.Context, _ plugin.ListGroupsRequest, yield func(plugin.Group) error) error {
			if err := e("ListGroups"); err != nil {
				return err
			}
			for _, g := range a.Groups {
				if err := yield(g); err != nil {
					return err
				}
			}
			return nil
		},
		GetGroupFunc: func(context.Context, plugin.GetGroupRequest) (plugin.GroupDetail, error) {
			return a.Detail, e("GetGroup")
		},
		GetSecretFunc: func(context.Context, plugin.SecretRequest) (plugin.SecretInfo, error) {
			return a.Secret, e("GetSecret")
		},
		ListSecretVersionsFunc: func(context.Context, plugin.SecretRequest) ([]plugin.Version, error) {
			return a.Versions, e("ListSecretVersions")
		},
		MakeRefFunc: func(context.Context, plugin.RefRequest) (string, error) { return a.Ref, e("MakeRef") },
		CheckRefsFunc: func(context.Context, plugin.CheckRefsRequest) (plugin.CheckRefsResult, error) {
			return a.CheckRefs, e("CheckRefs")
		},
		PlanMutationFunc: func(context.Context, plugin.MutationRequest) (plugin.Plan, error) { return a.Plan, e("PlanMutation") },
		ApplyPlanFunc:    func(context.Context, plugin.ApplyRequest) (plugin.Result, error) { return a.Result, e("ApplyPlan") },
		ShowPolicyFunc:   func(context.Context, plugin.Call) (plugin.PolicyInfo, error) { return a.PolicyInfo, e("ShowPolicy") },
		EvalPolicyFunc:   func(context.Context, plugin.PolicyEvalRequest) ([]byte, error) { return a.Decision, e("EvalPolicy") },
	}}
}

// Methods returns the names of the methods called, in order.
func (s *Service) Methods() []string {
	var names []string
	for _, c := range s.Calls() {
		names = append(names, c.Method)
	}
	return names
}

// All returns the requests of every call to method, oldest first.
func (s *Service) All(method string) []any {
	var reqs []any
	for _, c := range s.Calls() {
		if c.Method == method {
			reqs = append(reqs, c.Request)
		}
	}
	return reqs
}

// Request returns the request of the last call to method, or nil.
func (s *Service) Request(method string) any {
	all := s.All(method)
	if len(all) == 0 {
		return nil
	}
	return all[len(all)-1]
}

// Start returns a StartFunc serving svc and counting starts.
//
// A nil svc makes the start fail, for commands that must not start it.
func Start(svc plugin.Service, starts *int) cmdutil.StartFunc {
	return func(context.Context, cmdutil.StartOptions) (plugin.Service, func(), error) {
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

// Factory returns a Factory over test streams (stdin reads in) and the
// environment env, whose plugin must not start: for parsing a command.
func Factory(in string, env map[string]string) *cmdutil.Factory {
	ios, _, _ := iostreams.Test(in)
	f := cmdutil.NewFactory(ios, Start(nil, new(int)))
	f.LookupEnv = Env(env)
	return f
}

// Parse runs only cmd's parsing and validation on args (flags, the global
// ones too, may come before or after positionals, as on the real command
// line). The command's runF decides what happens after parsing.
func Parse(cmd *cli.Command, args ...string) error {
	return ParseLine(cmd, append([]string{cmd.Name}, args...)...)
}

// ParseLine is Parse for a whole command line after the program name, the
// command's name included: for global flags before it.
func ParseLine(cmd *cli.Command, line ...string) error {
	app := &cli.App{
		Name:                      "tfy-secrets",
		Flags:                     cmdutil.GlobalFlags(),
		Commands:                  []*cli.Command{cmd},
		Writer:                    io.Discard,
		ErrWriter:                 io.Discard,
		DisableSliceFlagSeparator: true,
		HideHelpCommand:           true,
		ExitErrHandler:            func(*cli.Context, error) {},
		OnUsageError:              func(_ *cli.Context, err error, _ bool) error { return cmdutil.UsageError("%v", err) },
	}
	cmd.OnUsageError = app.OnUsageError
	l, err := cmdutil.Normalize(app, append([]string{"tfy-secrets"}, line...))
	if err != nil {
		return err
	}
	return app.Run(l.Argv)
}

// ParseCase is a command line for CheckParse: the arguments after the
// command's name, the environment, and the Options they give (nil: a
// usage error).
type ParseCase[O any] struct {
	Args []string
	Env  map[string]string
	Want *O
}

// CheckParse parses each case with the command newCmd builds over
// Factory("", Env), and compares the Options its run would get with Want.
// deps reports whether the Options' dependencies (streams, plugin,
// helpers) are set, and clears them: they are left out of the comparison.
func CheckParse[O any](t *testing.T, newCmd func(*cmdutil.Factory, func(context.Context, *O) error) *cli.Command, deps func(*O) bool, cases ...ParseCase[O]) {
	t.Helper()
	for _, tc := range cases {
		var got *O
		err := Parse(newCmd(Factory("", tc.Env), func(_ context.Context, o *O) error { got = o; return nil }), tc.Args...)
		switch {
		case tc.Want == nil && err == nil:
			t.Errorf("%q: parsed as %+v, want a usage error", tc.Args, got)
		case tc.Want == nil && failure.KindOf(err) != failure.Usage:
			t.Errorf("%q: %v, want a usage error", tc.Args, err)
		case tc.Want == nil:
		case err != nil:
			t.Errorf("%q: %v", tc.Args, err)
		case !deps(got):
			t.Errorf("%q: the dependencies are not all set: %+v", tc.Args, got)
		case !reflect.DeepEqual(got, tc.Want):
			t.Errorf("%q:\n got %+v\nwant %+v", tc.Args, got, tc.Want)
		}
	}
}

// Wired is CheckParse's deps for Options that embed a Session.
func Wired(s *cmdutil.Session) bool {
	ok := s.IO != nil && s.Service != nil && s.Restart != nil
	*s = cmdutil.Session{}
	return ok
}
