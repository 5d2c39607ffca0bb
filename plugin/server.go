package plugin

import (
	"context"
	"errors"
	"sync"

	"google.golang.org/grpc"

	pb "github.com/tfy-secrets/tfy-secrets/plugin/proto"
)

// GRPCServer is the plugin's side of the boundary: it serves the generated
// gRPC service by calling Impl, translating messages and errors only.
type GRPCServer struct {
	pb.UnimplementedSecretsServer
	Impl Service

	interrupts interrupts
}

// ErrInterrupted is the cause of an Apply's context cancelled by the host's
// Interrupt: the host stopped waiting for the write in the normal way
// (Ctrl-C, SIGTERM, its deadline) and wants to know what it left behind.
var ErrInterrupted = errors.New("interrupted by the tfy-secrets host")

// interrupts are the cancel functions of the Applies running, by plan id,
// and the ids interrupted before their Apply arrived (the two calls travel
// on separate streams, so the Interrupt can overtake its Apply).
type interrupts struct {
	mu      sync.Mutex
	running map[string]context.CancelCauseFunc
	early   map[string]bool
}

// start registers the Apply of id and returns its context, cancelled at
// once when an Interrupt came first; done forgets it.
func (in *interrupts) start(ctx context.Context, id string) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.early[id] {
		delete(in.early, id)
		cancel(ErrInterrupted)
	}
	if in.running == nil {
		in.running = map[string]context.CancelCauseFunc{}
	}
	in.running[id] = cancel
	return ctx, func() {
		in.mu.Lock()
		delete(in.running, id)
		in.mu.Unlock()
		cancel(context.Canceled)
	}
}

// maxEarlyInterrupts bounds the ids remembered for an Apply that may never
// come; a host sends one Interrupt per Apply it has sent.
const maxEarlyInterrupts = 16

func (in *interrupts) interrupt(id string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if cancel, ok := in.running[id]; ok {
		cancel(ErrInterrupted)
		return
	}
	if in.early == nil {
		in.early = map[string]bool{}
	}
	if len(in.early) < maxEarlyInterrupts {
		in.early[id] = true
	}
}

var _ pb.SecretsServer = (*GRPCServer)(nil)

// Login receives the typed key; fromWireValue wraps it into a secret.Value
// straight away.
func (s *GRPCServer) Login(ctx context.Context, req *pb.LoginRequest) (*pb.AuthStatus, error) {
	st, err := s.Impl.Login(ctx, LoginRequest{Call: fromWireCall(req.GetCall()), Key: fromWireValue(req.GetKey(), req.GetKeySet())})
	if err != nil {
		return nil, toStatus(err)
	}
	return toWireAuth(st), nil
}

// Logout forgets the stored key.
func (s *GRPCServer) Logout(ctx context.Context, call *pb.Call) (*pb.AuthStatus, error) {
	st, err := s.Impl.Logout(ctx, fromWireCall(call))
	if err != nil {
		return nil, toStatus(err)
	}
	return toWireAuth(st), nil
}

// GetAuthStatus reports where credentials come from.
func (s *GRPCServer) GetAuthStatus(ctx context.Context, call *pb.Call) (*pb.AuthStatus, error) {
	st, err := s.Impl.GetAuthStatus(ctx, fromWireCall(call))
	if err != nil {
		return nil, toStatus(err)
	}
	return toWireAuth(st), nil
}

// ListIntegrations lists secret-store integrations.
func (s *GRPCServer) ListIntegrations(ctx context.Context, req *pb.IntegrationsRequest) (*pb.IntegrationList, error) {
	list, err := s.Impl.ListIntegrations(ctx, IntegrationsRequest{Call: fromWireCall(req.GetCall()), Provider: req.GetProvider()})
	if err != nil {
		return nil, toStatus(err)
	}
	out := &pb.IntegrationList{}
	for _, i := range list {
		out.Integrations = append(out.Integrations, toWireIntegration(i))
	}
	return out, nil
}

// ListGroups streams each group as Impl yields it.
func (s *GRPCServer) ListGroups(req *pb.ListGroupsRequest, stream grpc.ServerStreamingServer[pb.Group]) error {
	err := s.Impl.ListGroups(stream.Context(), ListGroupsRequest{Call: fromWireCall(req.GetCall()), Search: req.GetSearch()},
		func(g Group) error { return stream.Send(toWireGroup(g)) })
	return toStatus(err)
}

// GetGroup returns a group with its masked secrets.
func (s *GRPCServer) GetGroup(ctx context.Context, req *pb.GetGroupRequest) (*pb.GroupDetail, error) {
	d, err := s.Impl.GetGroup(ctx, GetGroupRequest{Call: fromWireCall(req.GetCall()), Group: req.GetGroup()})
	if err != nil {
		return nil, toStatus(err)
	}
	return toWireGroupDetail(d), nil
}

// GetSecret describes one secret.
func (s *GRPCServer) GetSecret(ctx context.Context, req *pb.SecretRequest) (*pb.SecretInfo, error) {
	info, err := s.Impl.GetSecret(ctx, SecretRequest{Call: fromWireCall(req.GetCall()), Secret: req.GetSecret()})
	if err != nil {
		return nil, toStatus(err)
	}
	return toWireSecretInfo(info), nil
}

// ListSecretVersions lists a secret's versions.
func (s *GRPCServer) ListSecretVersions(ctx context.Context, req *pb.SecretRequest) (*pb.VersionList, error) {
	versions, err := s.Impl.ListSecretVersions(ctx, SecretRequest{Call: fromWireCall(req.GetCall()), Secret: req.GetSecret()})
	if err != nil {
		return nil, toStatus(err)
	}
	out := &pb.VersionList{}
	for _, v := range versions {
		out.Versions = append(out.Versions, &pb.Version{Version: int64(v.Version), CreatedAt: toWireTime(v.CreatedAt)})
	}
	return out, nil
}

// MakeRef returns a key's reference.
func (s *GRPCServer) MakeRef(ctx context.Context, req *pb.RefRequest) (*pb.RefResponse, error) {
	ref, err := s.Impl.MakeRef(ctx, RefRequest{Call: fromWireCall(req.GetCall()), Group: req.GetGroup(), Key: req.GetKey()})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.RefResponse{Ref: ref}, nil
}

// CheckRefs says which referenced groups and keys exist.
func (s *GRPCServer) CheckRefs(ctx context.Context, req *pb.CheckRefsRequest) (*pb.CheckRefsResult, error) {
	res, err := s.Impl.CheckRefs(ctx, fromWireCheckRefs(req))
	if err != nil {
		return nil, toStatus(err)
	}
	return toWireCheckRefsResult(res), nil
}

// PlanMutation checks a mutation.
func (s *GRPCServer) PlanMutation(ctx context.Context, req *pb.MutationRequest) (*pb.Plan, error) {
	p, err := s.Impl.PlanMutation(ctx, fromWireMutation(req))
	if err != nil {
		return nil, toStatus(err)
	}
	return toWirePlan(p), nil
}

// ApplyPlan carries out a plan. Besides the host giving up on the call, which
// also drops its answer, Interrupt can cancel its context: the answer then
// still reaches the host.
func (s *GRPCServer) ApplyPlan(ctx context.Context, req *pb.ApplyRequest) (*pb.Result, error) {
	ctx, done := s.interrupts.start(ctx, req.GetPlanId())
	defer done()
	r, err := s.Impl.ApplyPlan(ctx, ApplyRequest{Call: fromWireCall(req.GetCall()), PlanID: req.GetPlanId(), Confirmed: req.GetConfirmed(), TypedName: req.GetTypedName()})
	if err != nil {
		return nil, toStatus(err)
	}
	return toWireResult(r), nil
}

// Interrupt cancels the running Apply of the request's plan id.
func (s *GRPCServer) Interrupt(_ context.Context, req *pb.ApplyRequest) (*pb.Empty, error) {
	s.interrupts.interrupt(req.GetPlanId())
	return &pb.Empty{}, nil
}

// ShowPolicy lists the active policy modules.
func (s *GRPCServer) ShowPolicy(ctx context.Context, call *pb.Call) (*pb.PolicyInfo, error) {
	info, err := s.Impl.ShowPolicy(ctx, fromWireCall(call))
	if err != nil {
		return nil, toStatus(err)
	}
	return toWirePolicyInfo(info), nil
}

// EvalPolicy evaluates a policy input document.
func (s *GRPCServer) EvalPolicy(ctx context.Context, req *pb.PolicyEvalRequest) (*pb.PolicyEvalResponse, error) {
	decision, err := s.Impl.EvalPolicy(ctx, PolicyEvalRequest{Call: fromWireCall(req.GetCall()), Input: req.GetInput()})
	if err != nil {
		return nil, toStatus(err)
	}
	return &pb.PolicyEvalResponse{Decision: decision}, nil
}
