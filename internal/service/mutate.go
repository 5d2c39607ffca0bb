package service

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/tfyapi"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// pendingPlan is a plan kept in memory, values included, until Apply (or
// until it expires). It holds the session so Apply writes to exactly the
// host and with exactly the key that the plan was made against.
type pendingPlan struct {
	plan        plugin.Plan
	ss          *session
	group       Group    // as read at plan time (zero for create)
	before      []string // sorted key set at plan time
	keys        keyPlan
	secret      Secret // secret.delete
	integration plugin.Integration
	expires     time.Time
	// write is the write Apply performs: the plan's operation, except for
	// manifest.migrate, which is a create or a merge update depending on
	// whether the group exists.
	write plugin.Operation
}

// Plan builds, policy-checks and (unless dry-run) stores a mutation.
func (s *Service) Plan(ctx context.Context, req plugin.MutationRequest) (plugin.Plan, error) {
	ctx, cancel, log := s.begin(ctx, req.Call)
	defer cancel()
	ss, err := s.open(ctx, req.Call, log)
	if err != nil {
		return plugin.Plan{}, err
	}
	var pp *pendingPlan
	switch req.Operation {
	case plugin.OpGroupCreate:
		pp, err = ss.planGroupCreate(ctx, req)
	case plugin.OpGroupUpdate:
		pp, err = ss.planGroupUpdate(ctx, req)
	case plugin.OpGroupDelete:
		pp, err = ss.planGroupDelete(ctx, req)
	case plugin.OpSecretDelete:
		pp, err = ss.planSecretDelete(ctx, req)
	case plugin.OpManifestMigrate:
		pp, err = ss.planMigrate(ctx, req)
	default:
		return plugin.Plan{}, failure.New(failure.Usage, "operation %s cannot be planned", quoteShort(string(req.Operation)))
	}
	if err != nil {
		return plugin.Plan{}, err
	}
	if pp.write == "" {
		pp.write = req.Operation
	}
	pp.plan.Operation = req.Operation
	in := Input{
		Operation: req.Operation, Tenant: ss.tenant(pp.group), Changes: pp.keys.inputChanges(),
		Group: &InputGroup{Name: pp.plan.Group, ID: pp.group.ID, FQN: pp.plan.GroupFQN},
	}
	if pp.integration.ID != "" {
		in.Integration = &InputIntegration{ID: pp.integration.ID, FQN: pp.integration.FQN, Type: pp.integration.Type, Provider: pp.integration.Provider}
	}
	for _, sec := range pp.group.Secrets {
		in.Secrets = append(in.Secrets, InputSecret{Key: sec.Key, ID: sec.ID})
	}
	dec, err := s.decide(ctx, req.Call, log, in)
	if err != nil {
		return plugin.Plan{}, err
	}
	for _, c := range req.Changes {
		// The default policy denies inline values and no bundle can loosen
		// that; should a decision ever allow one, there is still no value
		// to write, so the plan stops here rather than keep or drop the key.
		if c.Source == plugin.SourceLiteral {
			return plugin.Plan{}, failure.New(failure.Denied, "key %s was given an inline value, which is never accepted", quoteShort(c.Key)).
				WithHint("export %s=... then pass --from-env %s", c.Key, c.Key)
		}
	}
	pp.plan.Confirm = dec.Confirm
	pp.plan.Warnings = append(pp.plan.Warnings, dec.Warn...)
	pp.plan.Changes = pp.keys.changes
	if pp.plan.Changes == nil {
		pp.plan.Changes = []plugin.PlannedChange{}
	}
	if req.DryRun {
		// A dry run writes nothing, so there is nothing to keep: no plan
		// and no values stay in memory.
		return pp.plan, nil
	}
	pp.plan.ID = rand.Text()
	pp.expires = s.opts.Now().Add(planTTL)
	s.mu.Lock()
	now := s.opts.Now()
	for id, old := range s.plans {
		if now.After(old.expires) {
			delete(s.plans, id)
		}
	}
	s.plans[pp.plan.ID] = pp
	s.mu.Unlock()
	log.Debug("plan", "id", pp.plan.ID, "operation", req.Operation, "group", pp.plan.Group, "changes", len(pp.plan.Changes), "confirm", pp.plan.Confirm)
	return pp.plan, nil
}

func (ss *session) planGroupCreate(ctx context.Context, req plugin.MutationRequest) (*pendingPlan, error) {
	if req.Group == "" || strings.Contains(req.Group, ":") {
		return nil, failure.New(failure.Usage, "secret group name %s is not a plain name", quoteShort(req.Group)).WithHint("give a name without \":\", e.g. my-app-secrets")
	}
	kp, err := planCreate(req.Changes)
	if err != nil {
		return nil, err
	}
	ins, err := ss.integrations(ctx)
	if err != nil {
		return nil, err
	}
	if len(ins) == 0 {
		return nil, failure.New(failure.NotFound, "no secret store configured for this workspace").WithHint("contact your platform admin to add a secret-store integration")
	}
	var in plugin.Integration
	if ss.svc.opts.Providers != nil {
		in, err = ss.svc.opts.Providers.Choose(ins, req.Integration, req.Provider)
		if err != nil {
			return nil, withOp("choose integration", err)
		}
	} else if len(ins) == 1 {
		in = ins[0]
	} else {
		return nil, failure.New(failure.Usage, "several secret-store integrations exist").WithHint("choose one with --integration ID")
	}
	tenant := ss.fallbackTenant()
	if t, _, ok := strings.Cut(in.FQN, ":"); ok && t != "" {
		tenant = t
	}
	g := Group{Name: req.Group, Tenant: tenant, IntegrationID: in.ID}
	if tenant != "" {
		g.FQN = tenant + ":" + req.Group
		// Refuse an existing name before any value is sent anywhere.
		if _, found, err := ss.api.GroupByFQN(ctx, g.FQN); err != nil {
			return nil, ss.svc.mapError("find secret group", err, groupSubject(req.Group))
		} else if found {
			return nil, failure.New(failure.Conflict, "secret group %s already exists", quoteShort(req.Group)).WithHint("use a different name, or change it with: tfy-secrets group update %s", req.Group)
		}
	}
	return &pendingPlan{
		ss: ss, keys: kp, integration: in, group: g,
		plan: plugin.Plan{Operation: plugin.OpGroupCreate, Group: req.Group, GroupFQN: g.FQN, Integration: storeLabel(in), IntegrationFQN: in.FQN, ActiveDeployments: -1},
	}, nil
}

// planMigrate plans moving a manifest's values into a group: a create when
// the group does not exist yet, else a merge update (a migration never
// removes keys it was not given).
func (ss *session) planMigrate(ctx context.Context, req plugin.MutationRequest) (*pendingPlan, error) {
	if req.Replace || len(req.Unset) > 0 {
		return nil, failure.New(failure.Usage, "manifest migrate only adds or rotates keys").WithHint("remove keys afterwards with: tfy-secrets group update %s --unset KEY", req.Group)
	}
	if len(req.Changes) == 0 {
		return nil, failure.New(failure.Usage, "the manifest has no values to migrate")
	}
	g, err := ss.resolveGroup(ctx, req.Group)
	switch {
	case err == nil:
		pp, err := ss.planUpdateOf(ctx, g, req)
		if pp != nil {
			pp.write = plugin.OpGroupUpdate
		}
		return pp, err
	case failure.KindOf(err) == failure.NotFound:
		pp, err := ss.planGroupCreate(ctx, req)
		if pp != nil {
			pp.write = plugin.OpGroupCreate
		}
		return pp, err
	default:
		return nil, err
	}
}

func (ss *session) planGroupUpdate(ctx context.Context, req plugin.MutationRequest) (*pendingPlan, error) {
	g, err := ss.resolveGroup(ctx, req.Group)
	if err != nil {
		return nil, err
	}
	return ss.planUpdateOf(ctx, g, req)
}

func (ss *session) planUpdateOf(ctx context.Context, g Group, req plugin.MutationRequest) (*pendingPlan, error) {
	before := keysOf(g.Secrets)
	kp, err := planUpdate(g.Name, before, req.Changes, req.Unset, req.Replace)
	if err != nil {
		return nil, err
	}
	pp := &pendingPlan{ss: ss, group: g, before: before, keys: kp, plan: ss.groupPlan(plugin.OpGroupUpdate, g)}
	ss.attachIntegration(ctx, pp)
	return pp, nil
}

func (ss *session) planGroupDelete(ctx context.Context, req plugin.MutationRequest) (*pendingPlan, error) {
	g, err := ss.resolveGroup(ctx, req.Group)
	if err != nil {
		return nil, err
	}
	before := keysOf(g.Secrets)
	pp := &pendingPlan{ss: ss, group: g, before: before, keys: planRemoveAll(before), plan: ss.groupPlan(plugin.OpGroupDelete, g)}
	pp.plan.ActiveDeployments = ss.blastRadius(ctx, g)
	ss.attachIntegration(ctx, pp)
	return pp, nil
}

func (ss *session) planSecretDelete(ctx context.Context, req plugin.MutationRequest) (*pendingPlan, error) {
	g, sec, _, err := ss.resolveSecret(ctx, req.Secret)
	if err != nil {
		return nil, err
	}
	before := keysOf(g.Secrets)
	kp, err := planRemoveOne(g.Name, before, sec.Key)
	if err != nil {
		return nil, err
	}
	pp := &pendingPlan{ss: ss, group: g, before: before, keys: kp, secret: sec, plan: ss.groupPlan(plugin.OpSecretDelete, g)}
	pp.plan.ActiveDeployments = ss.blastRadius(ctx, Group{ID: g.ID, Secrets: []Secret{sec}})
	ss.attachIntegration(ctx, pp)
	return pp, nil
}

func (ss *session) groupPlan(op plugin.Operation, g Group) plugin.Plan {
	fqn := g.FQN
	if fqn == "" {
		if t := ss.tenant(g); t != "" {
			fqn = t + ":" + g.Name
		}
	}
	return plugin.Plan{Operation: op, Group: g.Name, GroupFQN: fqn, ActiveDeployments: -1}
}

// attachIntegration adds the group's integration to the plan when the key can
// see it; policy store rules and provider explanations need it, but a plan is
// still sound without it.
func (ss *session) attachIntegration(ctx context.Context, pp *pendingPlan) {
	ins, err := ss.integrations(ctx)
	if err != nil {
		ss.log.Debug("integrations unavailable", "error", err)
		return
	}
	for _, in := range ins {
		if in.ID == pp.group.IntegrationID {
			pp.integration = in
			pp.plan.Integration = storeLabel(in)
			pp.plan.IntegrationFQN = in.FQN
		}
	}
}

// storeLabel is the short store name of a plan header ("azure/vault").
func storeLabel(in plugin.Integration) string {
	if in.Provider != "" && in.Store != "" {
		return in.Provider + "/" + in.Store
	}
	return strings.TrimPrefix(in.Type, "integration/secret-store/")
}

// blastRadius sums activeDeploymentsCount over the keys of g that the API
// reports it for; -1 when it reports none.
func (ss *session) blastRadius(ctx context.Context, g Group) int {
	want := map[string]bool{}
	for _, sec := range g.Secrets {
		want[sec.Key] = true
	}
	total, known := 0, false
	for sec, err := range ss.api.Secrets(ctx, g.ID, false) {
		if err != nil {
			ss.log.Debug("active deployments unavailable", "error", err)
			return -1
		}
		if want[sec.Key] && sec.ActiveDeployments >= 0 {
			total += sec.ActiveDeployments
			known = true
		}
	}
	if !known {
		return -1
	}
	return total
}

// Apply carries out a stored plan: confirmation check, re-read, write,
// verify. The plan is consumed whatever the outcome, so a failed apply is
// re-planned against fresh state rather than retried blindly.
func (s *Service) Apply(ctx context.Context, req plugin.ApplyRequest) (plugin.Result, error) {
	s.mu.Lock()
	pp, ok := s.plans[req.PlanID]
	delete(s.plans, req.PlanID)
	s.mu.Unlock()
	if !ok || s.opts.Now().After(pp.expires) {
		return plugin.Result{}, failure.New(failure.Usage, "no plan %s in this session", quoteShort(req.PlanID)).WithHint("plans are applied once, in the process that made them; run the command again")
	}
	if err := checkConfirmation(pp.plan, req); err != nil {
		return plugin.Result{}, err
	}
	ctx, cancel, log := s.begin(ctx, req.Call)
	defer cancel()
	ss := *pp.ss
	ss.log = log
	res := plugin.Result{Operation: pp.plan.Operation, Group: pp.plan.Group}
	for _, c := range pp.plan.Changes {
		res.Changes = append(res.Changes, plugin.ResultChange{Key: c.Key, Action: c.Action})
	}
	var err error
	switch pp.write {
	case plugin.OpGroupCreate:
		err = ss.applyCreate(ctx, pp)
	case plugin.OpGroupUpdate:
		err = ss.applyUpdate(ctx, pp)
	case plugin.OpGroupDelete:
		err = ss.applyGroupDelete(ctx, pp)
	case plugin.OpSecretDelete:
		err = ss.applySecretDelete(ctx, pp)
	}
	if err != nil {
		return plugin.Result{}, err
	}
	res.Verified = true
	log.Debug("applied", "operation", res.Operation, "group", res.Group, "changes", len(res.Changes))
	return res, nil
}

// checkConfirmation enforces what the plan's decision demanded; the host asks,
// but the plugin does not take the host's word for which question was asked.
func checkConfirmation(p plugin.Plan, req plugin.ApplyRequest) error {
	switch p.Confirm {
	case plugin.ConfirmNone, "":
		return nil
	case plugin.ConfirmYes:
		if req.Confirmed {
			return nil
		}
		return failure.New(failure.NotConfirmed, "%s of secret group %s was not confirmed", p.Operation, quoteShort(p.Group)).
			WithHint("answer y at the prompt, or pass --yes when not on a terminal")
	case plugin.ConfirmTyped:
		if req.Confirmed && req.TypedName == p.Group {
			return nil
		}
		return failure.New(failure.NotConfirmed, "%s of secret group %s needs its name typed to confirm", p.Operation, quoteShort(p.Group)).
			WithHint("type the group name at the prompt, or pass --yes --confirm-name %s", p.Group)
	}
	return failure.New(failure.NotConfirmed, "policy demands an unknown confirmation %s", quoteShort(string(p.Confirm)))
}

// reread fetches the group again and refuses to go on if its key set moved
// since the plan: writing the planned full key set over someone else's
// change would silently delete their keys.
func (ss *session) reread(ctx context.Context, pp *pendingPlan) (Group, error) {
	g, err := ss.api.GroupByID(ctx, pp.group.ID)
	if err != nil {
		return Group{}, ss.svc.mapError("re-read secret group", err, groupSubject(pp.group.Name))
	}
	now := keysOf(g.Secrets)
	if !slices.Equal(now, pp.before) {
		missing, extra := keyDiff(pp.before, now)
		return Group{}, failure.New(failure.Conflict, "secret group %s changed since the plan was made (%s)", quoteShort(pp.group.Name), describeDiff(missing, extra, "removed", "added")).
			WithHint("nothing was written; run the command again to plan against the current keys")
	}
	return g, nil
}

func describeDiff(missing, extra []string, missingVerb, extraVerb string) string {
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, missingVerb+": "+strings.Join(limitKeys(missing), ", "))
	}
	if len(extra) > 0 {
		parts = append(parts, extraVerb+": "+strings.Join(limitKeys(extra), ", "))
	}
	if len(parts) == 0 {
		return "no key changes"
	}
	return strings.Join(parts, "; ")
}

// limitKeys keeps messages one readable line for large groups.
func limitKeys(keys []string) []string {
	const max = 10
	if len(keys) <= max {
		return keys
	}
	return append(slices.Clone(keys[:max]), fmt.Sprintf("and %d more", len(keys)-max))
}

func (ss *session) applyCreate(ctx context.Context, pp *pendingPlan) error {
	sub := subject{what: "secret group " + quoteShort(pp.plan.Group), integration: &pp.integration}
	g, err := ss.api.CreateGroup(ctx, pp.plan.Group, pp.integration.ID, pp.keys.writes)
	if err != nil {
		if ambiguous(err) && pp.group.FQN != "" {
			return ss.explainAmbiguousCreate(ctx, pp, err)
		}
		return ss.svc.mapError("create secret group", err, sub)
	}
	got, err := ss.api.GroupByID(ctx, g.ID)
	if err != nil {
		return ss.svc.mapError("verify secret group", err, sub)
	}
	return verifyKeys(pp.plan.Group, pp.keys.after, keysOf(got.Secrets))
}

// explainAmbiguousCreate says whether a create that got no clear answer
// happened, by looking the name up. A group that exists proves it did;
// one that does not only says it has not happened yet, since a request cut
// short by the client may still be on its way to the store.
func (ss *session) explainAmbiguousCreate(ctx context.Context, pp *pendingPlan, cause error) error {
	ctx, cancel := diagnosisContext(ctx)
	defer cancel()
	name := quoteShort(pp.plan.Group)
	g, found, err := ss.api.GroupByFQN(ctx, pp.group.FQN)
	switch {
	case err != nil:
		return failure.Wrap(failure.Unavailable, cause, fmt.Sprintf("create secret group %s was sent but got no answer; it may have been applied, and the group could not be looked up to tell", name)).
			WithHint("check with: tfy-secrets group get %s", pp.plan.Group)
	case found:
		now := keysOf(g.Secrets)
		missing, extra := keyDiff(pp.keys.after, now)
		state := "with every planned key"
		if len(missing)+len(extra) > 0 {
			state = describeDiff(missing, extra, "missing", "unexpected")
		}
		return failure.Wrap(failure.Unavailable, cause, fmt.Sprintf("create secret group %s got no answer, but the group now exists (%s; keys now: %s): it was created", name, state, strings.Join(limitKeys(now), ", "))).
			WithHint("check with: tfy-secrets group get %s", pp.plan.Group)
	default:
		return failure.Wrap(failure.Unavailable, cause, fmt.Sprintf("create secret group %s was sent but got no answer; a read just now does not find the group, so it was not created, unless the request is still on its way", name)).
			WithHint("check with: tfy-secrets group get %s before creating it again", pp.plan.Group)
	}
}

func (ss *session) applyUpdate(ctx context.Context, pp *pendingPlan) error {
	if _, err := ss.reread(ctx, pp); err != nil {
		return err
	}
	sub := subject{what: "secret group " + quoteShort(pp.plan.Group), integration: &pp.integration}
	if pp.integration.ID == "" {
		sub.integration = nil
	}
	_, err := ss.api.UpdateGroup(ctx, pp.group.ID, pp.keys.writes)
	if err != nil {
		if ambiguous(err) {
			return ss.explainAmbiguousWrite(ctx, pp, err)
		}
		return ss.svc.mapError("update secret group", err, sub)
	}
	got, err := ss.api.GroupByID(ctx, pp.group.ID)
	if err != nil {
		return ss.svc.mapError("verify secret group", err, sub)
	}
	return verifyKeys(pp.plan.Group, pp.keys.after, keysOf(got.Secrets))
}

// explainAmbiguousWrite reports what a write that got no clear answer
// left behind. The request may have been applied, and (when the client cut
// it short) may still be, so that is said in every case; the key set read
// back says which way it most likely went, but never whether values were
// rotated: a read does not compare them. It does not write again: a blind
// retry of a full-set PUT could delete keys someone added meanwhile.
func (ss *session) explainAmbiguousWrite(ctx context.Context, pp *pendingPlan, cause error) error {
	sent := fmt.Sprintf("%s of secret group %s was sent but got no answer; it may have been applied", pp.plan.Operation, quoteShort(pp.plan.Group))
	check := fmt.Sprintf("check with: tfy-secrets group get %s", pp.plan.Group)
	ctx, cancel := diagnosisContext(ctx)
	defer cancel()
	g, err := ss.api.GroupByID(ctx, pp.group.ID)
	if err != nil {
		return failure.Wrap(failure.Unavailable, cause, sent+", and the group could not be re-read to tell").WithHint("%s", check)
	}
	now := keysOf(g.Secrets)
	keys := "keys now: " + strings.Join(limitKeys(now), ", ")
	switch {
	case slices.Equal(now, pp.keys.after) && !slices.Equal(now, pp.before):
		return failure.Wrap(failure.Unavailable, cause, fmt.Sprintf("%s: the group now has exactly the planned keys (%s), so it most likely applied; values cannot be compared", sent, keys)).
			WithHint("%s", check)
	case slices.Equal(now, pp.before) && slices.Equal(now, pp.keys.after):
		return failure.Wrap(failure.Unavailable, cause, fmt.Sprintf("%s: its keys are unchanged (%s), as the plan leaves them, so a read cannot tell whether values were rotated", sent, keys)).
			WithHint("%s; running the command again rotates them again", check)
	case slices.Equal(now, pp.before):
		return failure.Wrap(failure.Unavailable, cause, fmt.Sprintf("%s: its keys are unchanged (%s), so most likely it did not apply, unless the request is still on its way; values cannot be compared", sent, keys)).
			WithHint("%s; running the command again re-plans against the current keys", check)
	default:
		missing, extra := keyDiff(pp.keys.after, now)
		return failure.Wrap(failure.Unavailable, cause, fmt.Sprintf("%s: the group now differs from the plan (%s; %s)", sent, describeDiff(missing, extra, "missing", "unexpected"), keys)).
			WithHint("%s", check)
	}
}

// diagnosisTimeout bounds the read that explains a write without an answer.
// The host waits launcher.ApplyGrace (8 s) for that explanation after it
// cut a write short, so this stays below it.
const diagnosisTimeout = 5 * time.Second

// diagnosisContext outlives the caller's deadline or Ctrl-C for one short
// read: when a write's fate is unknown, saying what happened is worth a few
// more seconds, and the read changes nothing.
func diagnosisContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), diagnosisTimeout)
}

// readBackContext is ctx for a verification read, or a diagnosis context
// when the write itself ended without an answer (ctx may be what ended it).
func readBackContext(ctx context.Context, writeErr error) (context.Context, context.CancelFunc) {
	if writeErr != nil {
		return diagnosisContext(ctx)
	}
	return context.WithCancel(ctx)
}

// verifyKeys compares the key set read back after a write with the plan.
func verifyKeys(group string, want, got []string) error {
	if slices.Equal(want, got) {
		return nil
	}
	missing, extra := keyDiff(want, got)
	return failure.New(failure.Conflict, "secret group %s does not have the planned keys after the write (%s)", quoteShort(group), describeDiff(missing, extra, "missing", "unexpected")).
		WithHint("someone may have changed it at the same time; check with: tfy-secrets group get %s", group)
}

func (ss *session) applyGroupDelete(ctx context.Context, pp *pendingPlan) error {
	if _, err := ss.reread(ctx, pp); err != nil {
		return err
	}
	sub := subject{what: "secret group " + quoteShort(pp.plan.Group), integration: &pp.integration}
	if pp.integration.ID == "" {
		sub.integration = nil
	}
	delErr := ss.api.DeleteGroup(ctx, pp.group.ID)
	if delErr != nil && !ambiguous(delErr) {
		return ss.svc.mapError("delete secret group", delErr, sub)
	}
	// Whether or not an answer arrived, the read-back says what happened.
	rctx, cancel := readBackContext(ctx, delErr)
	defer cancel()
	_, err := ss.api.GroupByID(rctx, pp.group.ID)
	switch {
	case errors.Is(err, tfyapi.ErrNotFound):
		return nil
	case err == nil:
		return failure.New(failure.Unavailable, "secret group %s still exists after the delete", quoteShort(pp.plan.Group)).WithHint(hintRetry)
	default:
		return ss.svc.mapError("verify delete", err, sub)
	}
}

func (ss *session) applySecretDelete(ctx context.Context, pp *pendingPlan) error {
	if _, err := ss.reread(ctx, pp); err != nil {
		return err
	}
	sub := subject{what: "secret " + quoteShort(pp.secret.Key), integration: &pp.integration, key: pp.secret.Key}
	if pp.integration.ID == "" {
		sub.integration = nil
	}
	delErr := ss.api.DeleteSecret(ctx, pp.secret.ID)
	if delErr != nil && !ambiguous(delErr) {
		return ss.svc.mapError("delete secret", delErr, sub)
	}
	// Whether or not an answer arrived, the read-back says what happened.
	rctx, cancel := readBackContext(ctx, delErr)
	defer cancel()
	got, err := ss.api.GroupByID(rctx, pp.group.ID)
	if err != nil {
		return ss.svc.mapError("verify delete", err, sub)
	}
	now := keysOf(got.Secrets)
	if delErr != nil && slices.Contains(now, pp.secret.Key) {
		return failure.Wrap(failure.Unavailable, delErr, fmt.Sprintf("delete of secret %s got no answer and the key still exists", quoteShort(pp.secret.Key))).WithHint(hintRetry)
	}
	return verifyKeys(pp.plan.Group, pp.keys.after, now)
}
