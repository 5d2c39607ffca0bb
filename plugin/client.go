package plugin

import (
	"context"
	"errors"
	"io"

	pb "github.com/tfy-secrets/tfy-secrets/plugin/proto"
)

// GRPCClient is the host's side of the boundary: a Service that forwards
// every call to the plugin process.
type GRPCClient struct {
	client pb.SecretsClient
}

var _ Service = (*GRPCClient)(nil)

// NewGRPCClient wraps a generated client; go-plugin calls it through
// GRPCPlugin.GRPCClient.
func NewGRPCClient(c pb.SecretsClient) *GRPCClient { return &GRPCClient{client: c} }

// Login sends the freshly typed key to the plugin; this is one of the two
// places a secret value is revealed, into the request message.
func (c *GRPCClient) Login(ctx context.Context, req LoginRequest) (AuthStatus, error) {
	key, set := toWireValue(req.Key)
	resp, err := c.client.Login(ctx, &pb.LoginRequest{Call: toWireCall(req.Call), Key: key, KeySet: set})
	if err != nil {
		return AuthStatus{}, fromStatus(ctx, "Login", err)
	}
	return fromWireAuth(resp), nil
}

// Logout forgets the stored key of the call's host.
func (c *GRPCClient) Logout(ctx context.Context, call Call) (AuthStatus, error) {
	resp, err := c.client.Logout(ctx, toWireCall(call))
	if err != nil {
		return AuthStatus{}, fromStatus(ctx, "Logout", err)
	}
	return fromWireAuth(resp), nil
}

// GetAuthStatus reports the resolved host, tenant and key source.
func (c *GRPCClient) GetAuthStatus(ctx context.Context, call Call) (AuthStatus, error) {
	resp, err := c.client.GetAuthStatus(ctx, toWireCall(call))
	if err != nil {
		return AuthStatus{}, fromStatus(ctx, "GetAuthStatus", err)
	}
	return fromWireAuth(resp), nil
}

// ListIntegrations lists secret-store integrations.
func (c *GRPCClient) ListIntegrations(ctx context.Context, req IntegrationsRequest) ([]Integration, error) {
	resp, err := c.client.ListIntegrations(ctx, &pb.IntegrationsRequest{Call: toWireCall(req.Call), Provider: req.Provider})
	if err != nil {
		return nil, fromStatus(ctx, "ListIntegrations", err)
	}
	out := make([]Integration, 0, len(resp.GetIntegrations()))
	for _, i := range resp.GetIntegrations() {
		out = append(out, fromWireIntegration(i))
	}
	return out, nil
}

// ListGroups hands each streamed group to yield as it arrives, so a long
// listing renders without waiting for the last page.
func (c *GRPCClient) ListGroups(ctx context.Context, req ListGroupsRequest, yield func(Group) error) error {
	// Cancelling the stream is how the plugin learns that yield gave up.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.client.ListGroups(ctx, &pb.ListGroupsRequest{Call: toWireCall(req.Call), Search: req.Search})
	if err != nil {
		return fromStatus(ctx, "ListGroups", err)
	}
	for {
		g, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fromStatus(ctx, "ListGroups", err)
		}
		if err := yield(fromWireGroup(g)); err != nil {
			return err
		}
	}
}

// GetGroup returns a group with its masked secrets.
func (c *GRPCClient) GetGroup(ctx context.Context, req GetGroupRequest) (GroupDetail, error) {
	resp, err := c.client.GetGroup(ctx, &pb.GetGroupRequest{Call: toWireCall(req.Call), Group: req.Group})
	if err != nil {
		return GroupDetail{}, fromStatus(ctx, "GetGroup", err)
	}
	return fromWireGroupDetail(resp), nil
}

// GetSecret describes one secret, masked.
func (c *GRPCClient) GetSecret(ctx context.Context, req SecretRequest) (SecretInfo, error) {
	resp, err := c.client.GetSecret(ctx, &pb.SecretRequest{Call: toWireCall(req.Call), Secret: req.Secret})
	if err != nil {
		return SecretInfo{}, fromStatus(ctx, "GetSecret", err)
	}
	return fromWireSecretInfo(resp), nil
}

// ListSecretVersions lists a secret's versions, never their values.
func (c *GRPCClient) ListSecretVersions(ctx context.Context, req SecretRequest) ([]Version, error) {
	resp, err := c.client.ListSecretVersions(ctx, &pb.SecretRequest{Call: toWireCall(req.Call), Secret: req.Secret})
	if err != nil {
		return nil, fromStatus(ctx, "ListSecretVersions", err)
	}
	out := make([]Version, 0, len(resp.GetVersions()))
	for _, v := range resp.GetVersions() {
		out = append(out, Version{Version: int(v.GetVersion()), CreatedAt: fromWireTime(v.GetCreatedAt())})
	}
	return out, nil
}

// MakeRef returns the tfy-secret:// reference of a key.
func (c *GRPCClient) MakeRef(ctx context.Context, req RefRequest) (string, error) {
	resp, err := c.client.MakeRef(ctx, &pb.RefRequest{Call: toWireCall(req.Call), Group: req.Group, Key: req.Key})
	if err != nil {
		return "", fromStatus(ctx, "MakeRef", err)
	}
	return resp.GetRef(), nil
}

// CheckRefs asks which of the groups and keys manifest references name
// exist.
func (c *GRPCClient) CheckRefs(ctx context.Context, req CheckRefsRequest) (CheckRefsResult, error) {
	resp, err := c.client.CheckRefs(ctx, toWireCheckRefs(req))
	if err != nil {
		return CheckRefsResult{}, fromStatus(ctx, "CheckRefs", err)
	}
	return fromWireCheckRefsResult(resp), nil
}

// PlanMutation sends the mutation, values included, for the plugin to check and
// keep until Apply.
func (c *GRPCClient) PlanMutation(ctx context.Context, req MutationRequest) (Plan, error) {
	resp, err := c.client.PlanMutation(ctx, toWireMutation(req))
	if err != nil {
		return Plan{}, fromStatus(ctx, "PlanMutation", err)
	}
	return fromWirePlan(resp), nil
}

// ApplyPlan carries out a plan the same plugin process made.
func (c *GRPCClient) ApplyPlan(ctx context.Context, req ApplyRequest) (Result, error) {
	resp, err := c.client.ApplyPlan(ctx, &pb.ApplyRequest{Call: toWireCall(req.Call), PlanId: req.PlanID, Confirmed: req.Confirmed, TypedName: req.TypedName})
	if err != nil {
		return Result{}, fromStatus(ctx, "ApplyPlan", err)
	}
	return fromWireResult(resp), nil
}

// Interrupt asks the plugin to cut short the Apply of planID that is
// running, which then answers with what the write left behind. Apply's
// own context must not end meanwhile, or that answer is lost.
func (c *GRPCClient) Interrupt(ctx context.Context, planID string) error {
	_, err := c.client.Interrupt(ctx, &pb.ApplyRequest{PlanId: planID})
	return fromStatus(ctx, "Interrupt", err)
}

// ShowPolicy lists the active policy modules.
func (c *GRPCClient) ShowPolicy(ctx context.Context, call Call) (PolicyInfo, error) {
	resp, err := c.client.ShowPolicy(ctx, toWireCall(call))
	if err != nil {
		return PolicyInfo{}, fromStatus(ctx, "ShowPolicy", err)
	}
	return fromWirePolicyInfo(resp), nil
}

// EvalPolicy evaluates a policy input document.
func (c *GRPCClient) EvalPolicy(ctx context.Context, req PolicyEvalRequest) ([]byte, error) {
	resp, err := c.client.EvalPolicy(ctx, &pb.PolicyEvalRequest{Call: toWireCall(req.Call), Input: req.Input})
	if err != nil {
		return nil, fromStatus(ctx, "EvalPolicy", err)
	}
	return resp.GetDecision(), nil
}
