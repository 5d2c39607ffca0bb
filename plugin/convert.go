package plugin

import (
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/secret"
	pb "github.com/tfy-secrets/tfy-secrets/plugin/proto"
)

// This file translates between domain types and wire messages, both ways.
// Nothing else crosses: a field added to a domain type must be added here
// and in service.proto, and the round-trip tests catch the omission.

func toWireTime(t time.Time) *pb.Time {
	if t.IsZero() {
		return nil
	}
	return &pb.Time{Seconds: t.Unix(), Nanos: int32(t.Nanosecond())}
}

func fromWireTime(t *pb.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return time.Unix(t.GetSeconds(), int64(t.GetNanos())).UTC()
}

// toWireValue is one of the two places a secret value is revealed: into the
// request message that goes to the plugin.
func toWireValue(v secret.Value) ([]byte, bool) {
	if !v.IsSet() {
		return nil, false
	}
	return []byte(v.Reveal()), true
}

func fromWireValue(b []byte, set bool) secret.Value {
	if !set {
		return secret.Value{}
	}
	return secret.New(b)
}

func toWireCall(c Call) *pb.Call {
	return &pb.Call{
		Host: c.Host, PolicyPath: c.PolicyPath, Client: string(c.Client), Interactive: c.Interactive,
		Yes: c.Yes, ConfirmName: c.ConfirmName, DryRun: c.DryRun, Ci: c.CI, ShowPrefix: c.ShowPrefix,
		Debug: c.Debug, TimeoutNanos: int64(c.Timeout),
	}
}

func fromWireCall(c *pb.Call) Call {
	return Call{
		Host: c.GetHost(), PolicyPath: c.GetPolicyPath(), Client: Client(c.GetClient()), Interactive: c.GetInteractive(),
		Yes: c.GetYes(), ConfirmName: c.GetConfirmName(), DryRun: c.GetDryRun(), CI: c.GetCi(), ShowPrefix: c.GetShowPrefix(),
		Debug: c.GetDebug(), Timeout: time.Duration(c.GetTimeoutNanos()),
	}
}

func toWireAuth(a AuthStatus) *pb.AuthStatus {
	return &pb.AuthStatus{
		Host: a.Host, Tenant: a.Tenant, KeySource: a.KeySource, HostSource: a.HostSource, User: a.User,
		TenantSource: string(a.TenantSource), KeyCheck: string(a.KeyCheck), KeyCheckDetail: a.KeyCheckDetail,
	}
}

func fromWireAuth(a *pb.AuthStatus) AuthStatus {
	return AuthStatus{
		Host: a.GetHost(), Tenant: a.GetTenant(), KeySource: a.GetKeySource(), HostSource: a.GetHostSource(), User: a.GetUser(),
		TenantSource: TenantSource(a.GetTenantSource()), KeyCheck: KeyCheck(a.GetKeyCheck()), KeyCheckDetail: a.GetKeyCheckDetail(),
	}
}

func toWireIntegration(i Integration) *pb.Integration {
	return &pb.Integration{
		Name: i.Name, Id: i.ID, Fqn: i.FQN, Provider: i.Provider, Store: i.Store,
		Type: i.Type, Location: i.Location, Rules: i.Rules,
	}
}

func fromWireIntegration(i *pb.Integration) Integration {
	return Integration{
		Name: i.GetName(), ID: i.GetId(), FQN: i.GetFqn(), Provider: i.GetProvider(), Store: i.GetStore(),
		Type: i.GetType(), Location: i.GetLocation(), Rules: i.GetRules(),
	}
}

func toWireGroup(g Group) *pb.Group {
	return &pb.Group{
		Name: g.Name, Id: g.ID, Fqn: g.FQN, Tenant: g.Tenant, IntegrationId: g.IntegrationID,
		SecretCount: int64(g.SecretCount), CreatedAt: toWireTime(g.CreatedAt), UpdatedAt: toWireTime(g.UpdatedAt),
	}
}

func fromWireGroup(g *pb.Group) Group {
	return Group{
		Name: g.GetName(), ID: g.GetId(), FQN: g.GetFqn(), Tenant: g.GetTenant(), IntegrationID: g.GetIntegrationId(),
		SecretCount: int(g.GetSecretCount()), CreatedAt: fromWireTime(g.GetCreatedAt()), UpdatedAt: fromWireTime(g.GetUpdatedAt()),
	}
}

func toWireSecretInfo(s SecretInfo) *pb.SecretInfo {
	return &pb.SecretInfo{
		Key: s.Key, Id: s.ID, Fqn: s.FQN, Group: s.Group, Masked: s.Masked, Version: int64(s.Version),
		UpdatedAt: toWireTime(s.UpdatedAt), ActiveDeployments: int64(s.ActiveDeployments),
	}
}

func fromWireSecretInfo(s *pb.SecretInfo) SecretInfo {
	return SecretInfo{
		Key: s.GetKey(), ID: s.GetId(), FQN: s.GetFqn(), Group: s.GetGroup(), Masked: s.GetMasked(), Version: int(s.GetVersion()),
		UpdatedAt: fromWireTime(s.GetUpdatedAt()), ActiveDeployments: int(s.GetActiveDeployments()),
	}
}

func toWireGroupDetail(d GroupDetail) *pb.GroupDetail {
	out := &pb.GroupDetail{Group: toWireGroup(d.Group), Integration: toWireIntegration(d.Integration), Warnings: d.Warnings}
	for _, s := range d.Secrets {
		out.Secrets = append(out.Secrets, toWireSecretInfo(s))
	}
	return out
}

func fromWireGroupDetail(d *pb.GroupDetail) GroupDetail {
	out := GroupDetail{Group: fromWireGroup(d.GetGroup()), Integration: fromWireIntegration(d.GetIntegration()), Warnings: d.GetWarnings()}
	for _, s := range d.GetSecrets() {
		out.Secrets = append(out.Secrets, fromWireSecretInfo(s))
	}
	return out
}

func toWireMutation(r MutationRequest) *pb.MutationRequest {
	out := &pb.MutationRequest{
		Call: toWireCall(r.Call), Operation: string(r.Operation), Group: r.Group, IntegrationRef: r.IntegrationRef,
		Provider: r.Provider, Unset: r.Unset, Replace: r.Replace, Secret: r.Secret, Overwrite: r.Overwrite,
	}
	for _, c := range r.Changes {
		value, set := toWireValue(c.Value)
		out.Changes = append(out.Changes, &pb.Change{Key: c.Key, Source: string(c.Source), Origin: c.Origin, Value: value, ValueSet: set})
	}
	return out
}

func fromWireMutation(r *pb.MutationRequest) MutationRequest {
	out := MutationRequest{
		Call: fromWireCall(r.GetCall()), Operation: Operation(r.GetOperation()), Group: r.GetGroup(), IntegrationRef: r.GetIntegrationRef(),
		Provider: r.GetProvider(), Unset: r.GetUnset(), Replace: r.GetReplace(), Secret: r.GetSecret(), Overwrite: r.GetOverwrite(),
	}
	for _, c := range r.GetChanges() {
		out.Changes = append(out.Changes, Change{
			Key: c.GetKey(), Source: Source(c.GetSource()), Origin: c.GetOrigin(), Value: fromWireValue(c.GetValue(), c.GetValueSet()),
		})
	}
	return out
}

func toWirePlan(p Plan) *pb.Plan {
	out := &pb.Plan{
		Id: p.ID, Operation: string(p.Operation), Group: p.Group, GroupFqn: p.GroupFQN, Store: p.Store,
		IntegrationFqn: p.IntegrationFQN, Confirm: string(p.Confirm), Warnings: p.Warnings, ActiveDeployments: int64(p.ActiveDeployments),
	}
	for _, c := range p.Changes {
		out.Changes = append(out.Changes, &pb.PlannedChange{Key: c.Key, Action: string(c.Action), Source: string(c.Source), Origin: c.Origin, From: c.From})
	}
	return out
}

func fromWirePlan(p *pb.Plan) Plan {
	out := Plan{
		ID: p.GetId(), Operation: Operation(p.GetOperation()), Group: p.GetGroup(), GroupFQN: p.GetGroupFqn(), Store: p.GetStore(),
		IntegrationFQN: p.GetIntegrationFqn(), Confirm: Confirm(p.GetConfirm()), Warnings: p.GetWarnings(), ActiveDeployments: int(p.GetActiveDeployments()),
	}
	for _, c := range p.GetChanges() {
		out.Changes = append(out.Changes, PlannedChange{Key: c.GetKey(), Action: Action(c.GetAction()), Source: Source(c.GetSource()), Origin: c.GetOrigin(), From: c.GetFrom()})
	}
	return out
}

func toWireResult(r Result) *pb.Result {
	out := &pb.Result{Operation: string(r.Operation), Group: r.Group, Verified: r.Verified, Warnings: r.Warnings}
	for _, c := range r.Changes {
		out.Changes = append(out.Changes, &pb.ResultChange{Key: c.Key, Action: string(c.Action)})
	}
	return out
}

func fromWireResult(r *pb.Result) Result {
	out := Result{Operation: Operation(r.GetOperation()), Group: r.GetGroup(), Verified: r.GetVerified(), Warnings: r.GetWarnings()}
	for _, c := range r.GetChanges() {
		out.Changes = append(out.Changes, ResultChange{Key: c.GetKey(), Action: Action(c.GetAction())})
	}
	return out
}

func toWirePolicyInfo(p PolicyInfo) *pb.PolicyInfo {
	out := &pb.PolicyInfo{Bundle: p.Bundle}
	for _, m := range p.Modules {
		out.Modules = append(out.Modules, &pb.PolicyModule{Name: m.Name, Source: m.Source})
	}
	return out
}

func fromWirePolicyInfo(p *pb.PolicyInfo) PolicyInfo {
	out := PolicyInfo{Bundle: p.GetBundle()}
	for _, m := range p.GetModules() {
		out.Modules = append(out.Modules, PolicyModule{Name: m.GetName(), Source: m.GetSource()})
	}
	return out
}

func toWireCheckRefs(r CheckRefsRequest) *pb.CheckRefsRequest {
	out := &pb.CheckRefsRequest{Call: toWireCall(r.Call), Groups: make([]*pb.RefGroup, 0, len(r.Groups))}
	for _, g := range r.Groups {
		out.Groups = append(out.Groups, &pb.RefGroup{Fqn: g.FQN, Keys: g.Keys})
	}
	return out
}

func fromWireCheckRefs(r *pb.CheckRefsRequest) CheckRefsRequest {
	out := CheckRefsRequest{Call: fromWireCall(r.GetCall()), Groups: make([]RefGroup, 0, len(r.GetGroups()))}
	for _, g := range r.GetGroups() {
		out.Groups = append(out.Groups, RefGroup{FQN: g.GetFqn(), Keys: g.GetKeys()})
	}
	return out
}

func toWireCheckRefsResult(r CheckRefsResult) *pb.CheckRefsResult {
	out := &pb.CheckRefsResult{Tenant: r.Tenant, TenantSource: string(r.TenantSource), Groups: make([]*pb.GroupAnswer, 0, len(r.Groups))}
	for _, g := range r.Groups {
		wg := &pb.GroupAnswer{Fqn: g.FQN, Status: string(g.Status), FailureKind: string(g.FailureKind), Message: g.Message, Hint: g.Hint}
		for _, k := range g.Keys {
			wg.Keys = append(wg.Keys, &pb.KeyAnswer{Key: k.Key, Found: k.Found, Suggestion: k.Suggestion})
		}
		out.Groups = append(out.Groups, wg)
	}
	return out
}

func fromWireCheckRefsResult(r *pb.CheckRefsResult) CheckRefsResult {
	out := CheckRefsResult{Tenant: r.GetTenant(), TenantSource: TenantSource(r.GetTenantSource()), Groups: make([]GroupAnswer, 0, len(r.GetGroups()))}
	for _, g := range r.GetGroups() {
		gc := GroupAnswer{FQN: g.GetFqn(), Status: GroupStatus(g.GetStatus()), FailureKind: kindFromWire(g.GetFailureKind()), Message: g.GetMessage(), Hint: g.GetHint()}
		for _, k := range g.GetKeys() {
			gc.Keys = append(gc.Keys, KeyAnswer{Key: k.GetKey(), Found: k.GetFound(), Suggestion: k.GetSuggestion()})
		}
		out.Groups = append(out.Groups, gc)
	}
	return out
}
