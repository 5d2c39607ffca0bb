// Package plugintest provides a configurable fake plugin.Service for unit
// tests of code on either side of the boundary, and (in cmd/tfy-fake-plugin)
// a plugin binary serving it for tests that need a real subprocess. It must
// never be imported by non-test code.
package plugintest

import (
	"context"
	"sync"

	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// Fake is a plugin.Service whose methods call the matching Func field, or
// return zero values and a nil error when that field is nil. Every call is
// recorded, request included, so a test can assert what the code under test
// asked for. Requests hold secret values only as secret.Value, so printing
// Calls cannot leak them. Set the Func fields before the first call.
type Fake struct {
	LoginFunc              func(context.Context, plugin.LoginRequest) (plugin.AuthStatus, error)
	LogoutFunc             func(context.Context, plugin.Call) (plugin.AuthStatus, error)
	GetAuthStatusFunc      func(context.Context, plugin.Call) (plugin.AuthStatus, error)
	ListIntegrationsFunc   func(context.Context, plugin.IntegrationsRequest) ([]plugin.Integration, error)
	ListGroupsFunc         func(context.Context, plugin.ListGroupsRequest, func(plugin.Group) error) error
	GetGroupFunc           func(context.Context, plugin.GetGroupRequest) (plugin.GroupDetail, error)
	GetSecretFunc          func(context.Context, plugin.SecretRequest) (plugin.SecretInfo, error)
	ListSecretVersionsFunc func(context.Context, plugin.SecretRequest) ([]plugin.Version, error)
	MakeRefFunc            func(context.Context, plugin.RefRequest) (string, error)
	CheckRefsFunc          func(context.Context, plugin.CheckRefsRequest) (plugin.CheckRefsResult, error)
	PlanMutationFunc       func(context.Context, plugin.MutationRequest) (plugin.Plan, error)
	ApplyPlanFunc          func(context.Context, plugin.ApplyRequest) (plugin.Result, error)
	ShowPolicyFunc         func(context.Context, plugin.Call) (plugin.PolicyInfo, error)
	EvalPolicyFunc         func(context.Context, plugin.PolicyEvalRequest) ([]byte, error)

	mu    sync.Mutex
	calls []Call
}

// Call is one recorded call: the method name and the request it got (the
// request struct, or plugin.Call for methods that take only a Call).
type Call struct {
	Method  string
	Request any
}

var _ plugin.Service = (*Fake)(nil)

// Calls returns the calls made so far, oldest first.
func (f *Fake) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Call(nil), f.calls...)
}

func (f *Fake) record(method string, req any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, Call{Method: method, Request: req})
}

// Login implements plugin.Service.
func (f *Fake) Login(ctx context.Context, req plugin.LoginRequest) (plugin.AuthStatus, error) {
	f.record("Login", req)
	if f.LoginFunc == nil {
		return plugin.AuthStatus{}, nil
	}
	return f.LoginFunc(ctx, req)
}

// Logout implements plugin.Service.
func (f *Fake) Logout(ctx context.Context, call plugin.Call) (plugin.AuthStatus, error) {
	f.record("Logout", call)
	if f.LogoutFunc == nil {
		return plugin.AuthStatus{}, nil
	}
	return f.LogoutFunc(ctx, call)
}

// GetAuthStatus implements plugin.Service.
func (f *Fake) GetAuthStatus(ctx context.Context, call plugin.Call) (plugin.AuthStatus, error) {
	f.record("GetAuthStatus", call)
	if f.GetAuthStatusFunc == nil {
		return plugin.AuthStatus{}, nil
	}
	return f.GetAuthStatusFunc(ctx, call)
}

// ListIntegrations implements plugin.Service.
func (f *Fake) ListIntegrations(ctx context.Context, req plugin.IntegrationsRequest) ([]plugin.Integration, error) {
	f.record("ListIntegrations", req)
	if f.ListIntegrationsFunc == nil {
		return nil, nil
	}
	return f.ListIntegrationsFunc(ctx, req)
}

// ListGroups implements plugin.Service.
func (f *Fake) ListGroups(ctx context.Context, req plugin.ListGroupsRequest, yield func(plugin.Group) error) error {
	f.record("ListGroups", req)
	if f.ListGroupsFunc == nil {
		return nil
	}
	return f.ListGroupsFunc(ctx, req, yield)
}

// GetGroup implements plugin.Service.
func (f *Fake) GetGroup(ctx context.Context, req plugin.GetGroupRequest) (plugin.GroupDetail, error) {
	f.record("GetGroup", req)
	if f.GetGroupFunc == nil {
		return plugin.GroupDetail{}, nil
	}
	return f.GetGroupFunc(ctx, req)
}

// GetSecret implements plugin.Service.
func (f *Fake) GetSecret(ctx context.Context, req plugin.SecretRequest) (plugin.SecretInfo, error) {
	f.record("GetSecret", req)
	if f.GetSecretFunc == nil {
		return plugin.SecretInfo{}, nil
	}
	return f.GetSecretFunc(ctx, req)
}

// ListSecretVersions implements plugin.Service.
func (f *Fake) ListSecretVersions(ctx context.Context, req plugin.SecretRequest) ([]plugin.Version, error) {
	f.record("ListSecretVersions", req)
	if f.ListSecretVersionsFunc == nil {
		return nil, nil
	}
	return f.ListSecretVersionsFunc(ctx, req)
}

// MakeRef implements plugin.Service.
func (f *Fake) MakeRef(ctx context.Context, req plugin.RefRequest) (string, error) {
	f.record("MakeRef", req)
	if f.MakeRefFunc == nil {
		return "", nil
	}
	return f.MakeRefFunc(ctx, req)
}

// CheckRefs implements plugin.Service.
func (f *Fake) CheckRefs(ctx context.Context, req plugin.CheckRefsRequest) (plugin.CheckRefsResult, error) {
	f.record("CheckRefs", req)
	if f.CheckRefsFunc == nil {
		return plugin.CheckRefsResult{}, nil
	}
	return f.CheckRefsFunc(ctx, req)
}

// PlanMutation implements plugin.Service.
func (f *Fake) PlanMutation(ctx context.Context, req plugin.MutationRequest) (plugin.Plan, error) {
	f.record("PlanMutation", req)
	if f.PlanMutationFunc == nil {
		return plugin.Plan{}, nil
	}
	return f.PlanMutationFunc(ctx, req)
}

// ApplyPlan implements plugin.Service.
func (f *Fake) ApplyPlan(ctx context.Context, req plugin.ApplyRequest) (plugin.Result, error) {
	f.record("ApplyPlan", req)
	if f.ApplyPlanFunc == nil {
		return plugin.Result{}, nil
	}
	return f.ApplyPlanFunc(ctx, req)
}

// ShowPolicy implements plugin.Service.
func (f *Fake) ShowPolicy(ctx context.Context, call plugin.Call) (plugin.PolicyInfo, error) {
	f.record("ShowPolicy", call)
	if f.ShowPolicyFunc == nil {
		return plugin.PolicyInfo{}, nil
	}
	return f.ShowPolicyFunc(ctx, call)
}

// EvalPolicy implements plugin.Service.
func (f *Fake) EvalPolicy(ctx context.Context, req plugin.PolicyEvalRequest) ([]byte, error) {
	f.record("EvalPolicy", req)
	if f.EvalPolicyFunc == nil {
		return nil, nil
	}
	return f.EvalPolicyFunc(ctx, req)
}
