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
	LoginFunc            func(context.Context, plugin.LoginRequest) (plugin.AuthStatus, error)
	LogoutFunc           func(context.Context, plugin.Call) (plugin.AuthStatus, error)
	StatusFunc           func(context.Context, plugin.Call) (plugin.AuthStatus, error)
	ListIntegrationsFunc func(context.Context, plugin.IntegrationsRequest) ([]plugin.Integration, error)
	ListGroupsFunc       func(context.Context, plugin.ListGroupsRequest, func(plugin.Group) error) error
	GetGroupFunc         func(context.Context, plugin.GetGroupRequest) (plugin.GroupDetail, error)
	GetSecretFunc        func(context.Context, plugin.SecretRequest) (plugin.SecretInfo, error)
	SecretVersionsFunc   func(context.Context, plugin.SecretRequest) ([]plugin.Version, error)
	RefFunc              func(context.Context, plugin.RefRequest) (string, error)
	CheckRefsFunc        func(context.Context, plugin.CheckRefsRequest) (plugin.CheckRefsResult, error)
	PlanFunc             func(context.Context, plugin.MutationRequest) (plugin.Plan, error)
	ApplyFunc            func(context.Context, plugin.ApplyRequest) (plugin.Result, error)
	PolicyShowFunc       func(context.Context, plugin.Call) (plugin.PolicyInfo, error)
	PolicyEvalFunc       func(context.Context, plugin.PolicyEvalRequest) ([]byte, error)

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

// Status implements plugin.Service.
func (f *Fake) Status(ctx context.Context, call plugin.Call) (plugin.AuthStatus, error) {
	f.record("Status", call)
	if f.StatusFunc == nil {
		return plugin.AuthStatus{}, nil
	}
	return f.StatusFunc(ctx, call)
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

// SecretVersions implements plugin.Service.
func (f *Fake) SecretVersions(ctx context.Context, req plugin.SecretRequest) ([]plugin.Version, error) {
	f.record("SecretVersions", req)
	if f.SecretVersionsFunc == nil {
		return nil, nil
	}
	return f.SecretVersionsFunc(ctx, req)
}

// Ref implements plugin.Service.
func (f *Fake) Ref(ctx context.Context, req plugin.RefRequest) (string, error) {
	f.record("Ref", req)
	if f.RefFunc == nil {
		return "", nil
	}
	return f.RefFunc(ctx, req)
}

// CheckRefs implements plugin.Service.
func (f *Fake) CheckRefs(ctx context.Context, req plugin.CheckRefsRequest) (plugin.CheckRefsResult, error) {
	f.record("CheckRefs", req)
	if f.CheckRefsFunc == nil {
		return plugin.CheckRefsResult{}, nil
	}
	return f.CheckRefsFunc(ctx, req)
}

// Plan implements plugin.Service.
func (f *Fake) Plan(ctx context.Context, req plugin.MutationRequest) (plugin.Plan, error) {
	f.record("Plan", req)
	if f.PlanFunc == nil {
		return plugin.Plan{}, nil
	}
	return f.PlanFunc(ctx, req)
}

// Apply implements plugin.Service.
func (f *Fake) Apply(ctx context.Context, req plugin.ApplyRequest) (plugin.Result, error) {
	f.record("Apply", req)
	if f.ApplyFunc == nil {
		return plugin.Result{}, nil
	}
	return f.ApplyFunc(ctx, req)
}

// PolicyShow implements plugin.Service.
func (f *Fake) PolicyShow(ctx context.Context, call plugin.Call) (plugin.PolicyInfo, error) {
	f.record("PolicyShow", call)
	if f.PolicyShowFunc == nil {
		return plugin.PolicyInfo{}, nil
	}
	return f.PolicyShowFunc(ctx, call)
}

// PolicyEval implements plugin.Service.
func (f *Fake) PolicyEval(ctx context.Context, req plugin.PolicyEvalRequest) ([]byte, error) {
	f.record("PolicyEval", req)
	if f.PolicyEvalFunc == nil {
		return nil, nil
	}
	return f.PolicyEvalFunc(ctx, req)
}
