package service

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/internal/secret"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// pendingPlan is a plan kept in memory, values included, until Apply (or
// until it expires). It holds the session so Apply writes to exactly the
// host and with exactly the key that the plan was made against.
type pendingPlan struct {
	plan        plugin.Plan
	sess        *session
	group       Group    // as read at plan time (zero for create)
	before      []string // sorted key set at plan time
	keys        keyPlan
	secret      Secret // secret.delete
	integration Integration
	expires     time.Time
	// write is the write Apply performs: the plan's operation, except for
	// manifest.migrate, which is a create or a merge update depending on
	// whether the group exists.
	write plugin.Operation
}

// PlanMutation builds, policy-checks and (unless dry-run) stores a mutation.
func (s *Service) PlanMutation(ctx context.Context, req plugin.MutationRequest) (plugin.Plan, error) {
	ctx, cancel, log := s.begin(ctx, req.Call)
	defer cancel()
	sess, err := s.open(ctx, req.Call, log)
	if err != nil {
		return plugin.Plan{}, err
	}
	var pending *pendingPlan
	switch req.Operation {
	case plugin.OpGroupCreate:
		pending, err = sess.planGroupCreate(ctx, req)
	case plugin.OpGroupUpdate:
		pending, err = sess.planGroupUpdate(ctx, req)
	case plugin.OpGroupDelete:
		pending, err = sess.planGroupDelete(ctx, req)
	case plugin.OpSecretDelete:
		pending, err = sess.planSecretDelete(ctx, req)
	case plugin.OpManifestMigrate:
		pending, err = sess.planMigrate(ctx, req)
	default:
		return plugin.Plan{}, failure.New(failure.Usage, "operation %s cannot be planned", quoteShort(string(req.Operation)))
	}
	if err != nil {
		return plugin.Plan{}, err
	}
	if pending.write == "" {
		pending.write = req.Operation
	}
	pending.plan.Operation = req.Operation
	in := policydoc.Input{
		Operation: req.Operation, Tenant: sess.tenant(pending.group), Changes: pending.keys.inputChanges(),
		Group: policydoc.Group{Name: pending.plan.Group, ID: pending.group.ID, FQN: pending.plan.GroupFQN},
	}
	if pending.integration.ID != "" {
		in.Integration = policydoc.Integration{ID: pending.integration.ID, FQN: pending.integration.FQN, Type: pending.integration.Type, Provider: pending.integration.Provider}
	}
	for _, sec := range pending.group.Secrets {
		in.Secrets = append(in.Secrets, policydoc.Secret{Key: sec.Key, ID: sec.ID})
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
	pending.plan.Confirm = dec.Confirm
	pending.plan.Warnings = append(pending.plan.Warnings, dec.Warn...)
	pending.plan.Warnings = append(pending.plan.Warnings, emptyValueWarnings(req.Changes)...)
	if pending.write == plugin.OpGroupUpdate {
		compared := sess.markUnchanged(ctx, pending)
		if req.Operation == plugin.OpManifestMigrate && !req.Overwrite {
			if err := migrateConflicts(pending, compared); err != nil {
				return plugin.Plan{}, err
			}
		}
		if !pending.keys.writesAnything() {
			// Every named key already holds its value: there is
			// nothing to write, so nothing to confirm.
			pending.plan.Confirm = plugin.ConfirmNone
		}
	}
	pending.plan.Changes = pending.keys.changes
	if pending.plan.Changes == nil {
		pending.plan.Changes = []plugin.PlannedChange{}
	}
	if req.DryRun {
		// A dry run writes nothing, so there is nothing to keep: no plan
		// and no values stay in memory.
		return pending.plan, nil
	}
	pending.plan.ID = rand.Text()
	pending.expires = s.opts.Now().Add(planTTL)
	s.mu.Lock()
	now := s.opts.Now()
	for id, old := range s.plans {
		if now.After(old.expires) {
			delete(s.plans, id)
		}
	}
	s.plans[pending.plan.ID] = pending
	s.mu.Unlock()
	log.Debug("plan", "id", pending.plan.ID, "operation", req.Operation, "group", pending.plan.Group, "changes", len(pending.plan.Changes), "confirm", pending.plan.Confirm)
	return pending.plan, nil
}

func (sess *session) planGroupCreate(ctx context.Context, req plugin.MutationRequest) (*pendingPlan, error) {
	if err := checkNewName(req.Group); err != nil {
		return nil, err
	}
	keys, err := planCreate(req.Changes)
	if err != nil {
		return nil, err
	}
	in, err := sess.chooseIntegration(ctx, req)
	if err != nil {
		return nil, err
	}
	return sess.newGroupPlan(ctx, req.Group, keys, in)
}

func checkNewName(name string) error {
	if name == "" || strings.Contains(name, ":") {
		return failure.New(failure.Usage, "secret group name %s is not a plain name", quoteShort(name)).WithHint("give a name without \":\", e.g. my-app-secrets")
	}
	return nil
}

// chooseIntegration picks the store of a new group (design section 7).
func (sess *session) chooseIntegration(ctx context.Context, req plugin.MutationRequest) (Integration, error) {
	ins, err := sess.integrations(ctx)
	if err != nil {
		return Integration{}, err
	}
	if len(ins) == 0 {
		return Integration{}, failure.New(failure.NotFound, "no secret store configured for this workspace").WithHint("contact your platform admin to add a secret-store integration")
	}
	switch {
	case sess.svc.opts.Providers != nil:
		in, err := sess.svc.opts.Providers.Choose(ins, req.IntegrationRef, req.Provider)
		if err != nil {
			return Integration{}, withOp("choose integration", err)
		}
		return in, nil
	case len(ins) == 1:
		return ins[0], nil
	}
	return Integration{}, failure.New(failure.Usage, "several secret-store integrations exist").WithHint("choose one with --integration ID")
}

// newGroupPlan is the plan of creating group name on integration in, after
// checking that the name is free.
func (sess *session) newGroupPlan(ctx context.Context, name string, keys keyPlan, in Integration) (*pendingPlan, error) {
	tenant := sess.fallbackTenant()
	if t, _, ok := strings.Cut(in.FQN, ":"); ok && t != "" {
		tenant = t
	}
	g := Group{Name: name, Tenant: tenant, IntegrationID: in.ID}
	if tenant != "" {
		g.FQN = tenant + ":" + name
		// Refuse an existing name before any value is sent anywhere.
		if _, found, err := sess.api.GroupByFQN(ctx, g.FQN); err != nil {
			return nil, sess.svc.mapError("find secret group", err, groupSubject(name))
		} else if found {
			return nil, failure.New(failure.Conflict, "secret group %s already exists", quoteShort(name)).WithHint("use a different name, or change it with: tfy-secrets group update %s", name)
		}
	}
	return &pendingPlan{
		sess: sess, keys: keys, integration: in, group: g,
		plan: plugin.Plan{Operation: plugin.OpGroupCreate, Group: name, GroupFQN: g.FQN, Store: storeLabel(in), IntegrationFQN: in.FQN, ActiveDeployments: -1},
	}, nil
}

// planMigrate plans moving a manifest's values into a group: a create when
// the group does not exist yet, else a merge update (a migration never
// removes keys it was not given). Each key is named as the group's store
// keeps it, and the plan says which manifest name it stands for, so that
// the host writes references to the key that exists.
func (sess *session) planMigrate(ctx context.Context, req plugin.MutationRequest) (*pendingPlan, error) {
	if req.Replace || len(req.Unset) > 0 {
		return nil, failure.New(failure.Usage, "manifest migrate only adds or rotates keys").WithHint("remove keys afterwards with: tfy-secrets group update %s --unset KEY", req.Group)
	}
	if len(req.Changes) == 0 {
		return nil, failure.New(failure.Usage, "the manifest has no values to migrate")
	}
	g, err := sess.resolveGroup(ctx, req.Group)
	var pending *pendingPlan
	var from map[string]string
	switch {
	case err == nil:
		pending = &pendingPlan{sess: sess, group: g, before: keysOf(g.Secrets), plan: sess.groupPlan(plugin.OpGroupUpdate, g), write: plugin.OpGroupUpdate}
		sess.attachIntegration(ctx, pending)
		var changes []plugin.Change
		if changes, from, err = sess.storeKeys(pending.integration, req.Changes); err != nil {
			return nil, err
		}
		if pending.keys, err = planUpdate(g.Name, pending.before, changes, nil, false); err != nil {
			return nil, err
		}
		if req.IntegrationRef != "" || req.Provider != "" {
			pending.plan.Warnings = append(pending.plan.Warnings, fmt.Sprintf("secret group %s exists, so its own store is used: --integration and --provider only choose the store of a new group", quoteShort(g.Name)))
		}
	case failure.KindOf(err) == failure.NotFound:
		if err := checkNewName(req.Group); err != nil {
			return nil, err
		}
		in, err := sess.chooseIntegration(ctx, req)
		if err != nil {
			return nil, err
		}
		changes, m, err := sess.storeKeys(in, req.Changes)
		if err != nil {
			return nil, err
		}
		keys, err := planCreate(changes)
		if err != nil {
			return nil, err
		}
		if pending, err = sess.newGroupPlan(ctx, req.Group, keys, in); err != nil {
			return nil, err
		}
		pending.write, from = plugin.OpGroupCreate, m
	default:
		return nil, err
	}
	for i, c := range pending.keys.changes {
		pending.keys.changes[i].From = from[c.Key]
	}
	return pending, nil
}

// storeKeys names each change's key as in's store keeps it: a manifest's
// env name DB_PASSWORD is DB-PASSWORD in Azure Key Vault. from maps each
// key that was renamed to the name it was given. Two names that the store
// would keep under one key are refused, naming both.
func (sess *session) storeKeys(in Integration, changes []plugin.Change) (out []plugin.Change, from map[string]string, err error) {
	p := sess.svc.opts.Providers
	if p == nil || in.ID == "" {
		return changes, nil, nil
	}
	out = make([]plugin.Change, len(changes))
	from = map[string]string{}
	given := make(map[string]string, len(changes)) // store key -> the name that became it
	for i, c := range changes {
		key := p.StoreKey(in, c.Key)
		if other, ok := given[key]; ok && other != c.Key {
			return nil, nil, failure.New(failure.Usage, "%s and %s would both be stored as %s in %s", quoteShort(other), quoteShort(c.Key), quoteShort(key), storeLabel(in)).
				WithHint("migrate one of them (--keys), or give them different names in the manifest")
		}
		given[key] = c.Key
		if key != c.Key {
			from[key] = c.Key
			c.Key = key
		}
		out[i] = c
	}
	return out, from, nil
}

func (sess *session) planGroupUpdate(ctx context.Context, req plugin.MutationRequest) (*pendingPlan, error) {
	g, err := sess.resolveGroup(ctx, req.Group)
	if err != nil {
		return nil, err
	}
	return sess.planUpdateOf(ctx, g, req)
}

func (sess *session) planUpdateOf(ctx context.Context, g Group, req plugin.MutationRequest) (*pendingPlan, error) {
	before := keysOf(g.Secrets)
	keys, err := planUpdate(g.Name, before, req.Changes, req.Unset, req.Replace)
	if err != nil {
		return nil, err
	}
	pending := &pendingPlan{sess: sess, group: g, before: before, keys: keys, plan: sess.groupPlan(plugin.OpGroupUpdate, g)}
	sess.attachIntegration(ctx, pending)
	return pending, nil
}

func (sess *session) planGroupDelete(ctx context.Context, req plugin.MutationRequest) (*pendingPlan, error) {
	g, err := sess.resolveGroup(ctx, req.Group)
	if err != nil {
		return nil, err
	}
	before := keysOf(g.Secrets)
	pending := &pendingPlan{sess: sess, group: g, before: before, keys: planRemoveAll(before), plan: sess.groupPlan(plugin.OpGroupDelete, g)}
	pending.plan.ActiveDeployments = sess.blastRadius(ctx, g)
	sess.attachIntegration(ctx, pending)
	return pending, nil
}

func (sess *session) planSecretDelete(ctx context.Context, req plugin.MutationRequest) (*pendingPlan, error) {
	g, sec, _, err := sess.resolveSecret(ctx, req.Secret)
	if err != nil {
		return nil, err
	}
	before := keysOf(g.Secrets)
	keys, err := planRemoveOne(g.Name, before, sec.Key)
	if err != nil {
		return nil, err
	}
	pending := &pendingPlan{sess: sess, group: g, before: before, keys: keys, secret: sec, plan: sess.groupPlan(plugin.OpSecretDelete, g)}
	pending.plan.ActiveDeployments = sess.blastRadius(ctx, Group{ID: g.ID, Secrets: []Secret{sec}})
	sess.attachIntegration(ctx, pending)
	return pending, nil
}

func (sess *session) groupPlan(op plugin.Operation, g Group) plugin.Plan {
	fqn := g.FQN
	if fqn == "" {
		if t := sess.tenant(g); t != "" {
			fqn = t + ":" + g.Name
		}
	}
	return plugin.Plan{Operation: op, Group: g.Name, GroupFQN: fqn, ActiveDeployments: -1}
}

// attachIntegration adds the group's integration to the plan when the key can
// see it; policy store rules and provider explanations need it, but a plan is
// still sound without it.
func (sess *session) attachIntegration(ctx context.Context, pending *pendingPlan) {
	ins, err := sess.integrations(ctx)
	if err != nil {
		sess.log.Debug("integrations unavailable", "error", err)
		return
	}
	for _, in := range ins {
		if in.ID == pending.group.IntegrationID {
			pending.integration = in
			pending.plan.Store = storeLabel(in)
			pending.plan.IntegrationFQN = in.FQN
		}
	}
}

// storeLabel is the short store name of a plan header ("azure/vault").
func storeLabel(in Integration) string {
	if in.Provider != "" && in.Store != "" {
		return in.Provider + "/" + in.Store
	}
	return strings.TrimPrefix(in.Type, "integration/secret-store/")
}

// blastRadius sums activeDeploymentsCount over the keys of g that the API
// reports it for; -1 when it reports none.
func (sess *session) blastRadius(ctx context.Context, g Group) int {
	want := map[string]bool{}
	for _, sec := range g.Secrets {
		want[sec.Key] = true
	}
	total, known := 0, false
	for sec, err := range sess.api.Secrets(ctx, g.ID, false) {
		if err != nil {
			sess.log.Debug("active deployments unavailable", "error", err)
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

// ApplyPlan carries out a stored plan: confirmation check, re-read, write,
// verify. The plan is consumed whatever the outcome, so a failed apply is
// re-planned against fresh state rather than retried blindly.
func (s *Service) ApplyPlan(ctx context.Context, req plugin.ApplyRequest) (plugin.Result, error) {
	s.mu.Lock()
	pending, ok := s.plans[req.PlanID]
	delete(s.plans, req.PlanID)
	s.mu.Unlock()
	if !ok || s.opts.Now().After(pending.expires) {
		return plugin.Result{}, failure.New(failure.Usage, "no plan %s in this session", quoteShort(req.PlanID)).WithHint("plans are applied once, in the process that made them; run the command again")
	}
	if err := checkConfirmation(pending.plan, req); err != nil {
		return plugin.Result{}, err
	}
	ctx, cancel, log := s.begin(ctx, req.Call)
	defer cancel()
	sess := *pending.sess
	sess.log = log
	res := plugin.Result{Operation: pending.plan.Operation, Group: pending.plan.Group}
	for _, c := range pending.plan.Changes {
		res.Changes = append(res.Changes, plugin.ResultChange{Key: c.Key, Action: c.Action})
	}
	if pending.write == plugin.OpGroupUpdate && !pending.keys.writesAnything() {
		// The plan compared every named value with the stored one and
		// found them equal: writing would only make new versions.
		res.Verified = true
		return res, nil
	}
	release, warning, err := sess.lock(ctx, pending)
	if err != nil {
		return plugin.Result{}, err
	}
	defer release()
	if warning != "" {
		res.Warnings = append(res.Warnings, warning)
	}
	var warnings []string
	switch pending.write {
	case plugin.OpGroupCreate:
		warnings, err = sess.applyCreate(ctx, pending)
	case plugin.OpGroupUpdate:
		warnings, err = sess.applyUpdate(ctx, pending)
	case plugin.OpGroupDelete:
		err = sess.applyGroupDelete(ctx, pending)
	case plugin.OpSecretDelete:
		err = sess.applySecretDelete(ctx, pending)
	}
	if err != nil {
		return plugin.Result{}, err
	}
	res.Warnings = append(res.Warnings, warnings...)
	res.Verified = true
	log.Debug("applied", "operation", res.Operation, "group", res.Group, "changes", len(res.Changes))
	return res, nil
}

// lockWait bounds how long Apply waits for another tfy-secrets process on
// this machine that is writing the same group. A write holds the lock for a
// few round trips, so a longer wait means a writer that is stuck.
const lockWait = time.Minute

// lock takes this machine's write lock of the plan's group, held until the
// write has been verified, so that no other local tfy-secrets process reads
// or writes the group in between. A lock directory that cannot be used does
// not stop the write (the re-read and verification still run); the result
// then carries a warning.
func (sess *session) lock(ctx context.Context, pending *pendingPlan) (release func(), warning string, err error) {
	locks := sess.svc.opts.Locks
	if locks == nil {
		return func() {}, "", nil
	}
	name := sess.baseURL + "\x00group\x00" + pending.group.ID
	if pending.write == plugin.OpGroupCreate {
		name = sess.baseURL + "\x00new\x00" + cmp.Or(pending.group.FQN, pending.plan.Group)
	}
	wctx, cancel := context.WithTimeout(ctx, lockWait)
	defer cancel()
	release, err = locks.Lock(wctx, name)
	if err == nil {
		return release, "", nil
	}
	if busy, ok := errors.AsType[*LockBusy](err); ok {
		holder := "another tfy-secrets process"
		if busy.Holder > 0 {
			holder = fmt.Sprintf("%s (pid %d)", holder, busy.Holder)
		}
		if ctx.Err() != nil {
			return nil, "", failure.Wrap(failure.Unavailable, context.Cause(ctx), fmt.Sprintf("gave up waiting for %s writing secret group %s; nothing was written", holder, quoteShort(pending.plan.Group)))
		}
		return nil, "", failure.New(failure.Conflict, "%s has been writing secret group %s for over %s; nothing was written", holder, quoteShort(pending.plan.Group), lockWait).
			WithHint("wait for it to finish, then run the command again")
	}
	sess.log.Debug("no local write lock", "error", err)
	return func() {}, fmt.Sprintf("writes by other tfy-secrets processes on this machine could not be kept apart (%v)", err), nil
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
func (sess *session) reread(ctx context.Context, pending *pendingPlan) (Group, error) {
	g, err := sess.api.GroupByID(ctx, pending.group.ID)
	if err != nil {
		if ctx.Err() != nil {
			return Group{}, failure.Wrap(failure.Unavailable, err, fmt.Sprintf("%s of secret group %s stopped before writing: nothing was written", pending.plan.Operation, quoteShort(pending.plan.Group))).
				WithHint("run the command again")
		}
		return Group{}, sess.svc.mapError("re-read secret group", err, groupSubject(pending.group.Name))
	}
	now := keysOf(g.Secrets)
	if !slices.Equal(now, pending.before) {
		missing, extra := keyDiff(pending.before, now)
		return Group{}, failure.New(failure.Conflict, "secret group %s changed since the plan was made (%s)", quoteShort(pending.group.Name), describeDiff(missing, extra, "removed", "added")).
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

func (sess *session) applyCreate(ctx context.Context, pending *pendingPlan) ([]string, error) {
	about := subject{what: "secret group " + quoteShort(pending.plan.Group), integration: &pending.integration}
	g, err := sess.api.CreateGroup(ctx, pending.plan.Group, pending.integration.ID, pending.keys.writes)
	if err != nil {
		if ambiguous(err) && pending.group.FQN != "" {
			return nil, sess.explainAmbiguousCreate(ctx, pending, err)
		}
		return nil, sess.svc.mapError("create secret group", err, about)
	}
	return sess.verifyWrite(ctx, pending, g, about)
}

// explainAmbiguousCreate says whether a create that got no clear answer
// happened, by looking the name up. A group that exists proves it did;
// one that does not only says it has not happened yet, since a request cut
// short by the client may still be on its way to the store.
func (sess *session) explainAmbiguousCreate(ctx context.Context, pending *pendingPlan, cause error) error {
	ctx, cancel := diagnosisContext(ctx)
	defer cancel()
	name := quoteShort(pending.plan.Group)
	g, found, err := sess.api.GroupByFQN(ctx, pending.group.FQN)
	switch {
	case err != nil:
		return failure.Wrap(failure.Unavailable, cause, fmt.Sprintf("create secret group %s was sent but got no answer; it may have been applied, and the group could not be looked up to tell", name)).
			WithHint("check with: tfy-secrets group get %s", pending.plan.Group)
	case found:
		now := keysOf(g.Secrets)
		missing, extra := keyDiff(pending.keys.after, now)
		state := "with every planned key"
		if len(missing)+len(extra) > 0 {
			state = describeDiff(missing, extra, "missing", "unexpected")
		}
		return failure.Wrap(failure.Unavailable, cause, fmt.Sprintf("create secret group %s got no answer, but the group now exists (%s; keys now: %s): it was created", name, state, strings.Join(limitKeys(now), ", "))).
			WithHint("check with: tfy-secrets group get %s", pending.plan.Group)
	default:
		return failure.Wrap(failure.Unavailable, cause, fmt.Sprintf("create secret group %s was sent but got no answer; a read just now does not find the group, so it was not created, unless the request is still on its way", name)).
			WithHint("check with: tfy-secrets group get %s before creating it again", pending.plan.Group)
	}
}

func (sess *session) applyUpdate(ctx context.Context, pending *pendingPlan) ([]string, error) {
	about := subject{what: "secret group " + quoteShort(pending.plan.Group), integration: &pending.integration}
	if pending.integration.ID == "" {
		about.integration = nil
	}
	// Nothing but the comparison of key sets stands between this final
	// read and the write: a key someone adds in between is deleted by the
	// full-set PUT, and the API offers no conditional write to prevent it
	// (docs/safety.md, "The window that remains").
	if _, err := sess.reread(ctx, pending); err != nil {
		return nil, err
	}
	put, err := sess.api.UpdateGroup(ctx, pending.group.ID, pending.keys.writes)
	if err != nil {
		if ambiguous(err) {
			return nil, sess.explainAmbiguousWrite(ctx, pending, err)
		}
		if errors.Is(err, ErrUnprocessable) {
			if gone := sess.keptKeysGone(ctx, pending); len(gone) > 0 {
				return nil, failure.Wrap(failure.Conflict, err, fmt.Sprintf("secret group %s changed just before this write (removed: %s); the write was refused and nothing was written",
					quoteShort(pending.plan.Group), strings.Join(limitKeys(gone), ", "))).
					WithHint("run the command again to plan against the current keys")
			}
		}
		return nil, sess.svc.mapError("update secret group", err, about)
	}
	return sess.verifyWrite(ctx, pending, put, about)
}

// keptKeysGone re-reads the group after a refused write and returns the keys
// the write meant to keep that no longer exist: a key removed by someone
// else just before the write makes the API refuse a write that names it
// without a value.
func (sess *session) keptKeysGone(ctx context.Context, pending *pendingPlan) []string {
	g, err := sess.api.GroupByID(ctx, pending.group.ID)
	if err != nil {
		return nil
	}
	now := map[string]bool{}
	for _, sec := range g.Secrets {
		now[sec.Key] = true
	}
	var gone []string
	for _, w := range pending.keys.writes {
		if !w.Value.IsSet() && !now[w.Key] {
			gone = append(gone, w.Key)
		}
	}
	return gone
}

// verifyWrite reads the group back after a create or update and compares it
// with what the write left, reporting what another writer did around it:
//
//   - a key the write sent (with or without a value) that is gone was
//     removed by someone else right after: an error naming it (exit 6);
//   - a key the write did not send was added by someone else after it (any
//     key present before would have been deleted by the write): a warning;
//   - a group written again after the write's own answer: a warning;
//   - a value that reads back different from the one written: an error.
//     Values are compared by digest and wiped; where the control plane
//     hides values, only the keys are verified, and a warning says so.
func (sess *session) verifyWrite(ctx context.Context, pending *pendingPlan, wrote Group, about subject) ([]string, error) {
	// The write was applied: its answer arrived. When the command was cut
	// short right then (Ctrl-C, its deadline), reading the keys back is
	// still worth a few seconds, and the read changes nothing; otherwise
	// the reads take the command's own time, which a large write needs.
	kctx := ctx
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		kctx, cancel = diagnosisContext(ctx)
		defer cancel()
	}
	got, err := sess.api.GroupByID(kctx, wrote.ID)
	if err != nil {
		cause := failure.As(sess.svc.mapError("read it back", err, about))
		return nil, failure.Wrap(failure.Unavailable, err, fmt.Sprintf("%s of secret group %s was applied (the API confirmed it) but could not be verified: %s",
			pending.plan.Operation, quoteShort(pending.plan.Group), cause.Message)).
			WithHint("check with: tfy-secrets group get %s", pending.plan.Group)
	}
	name := quoteShort(pending.plan.Group)
	missing, extra := keyDiff(pending.keys.after, keysOf(got.Secrets))
	if len(missing) > 0 {
		return nil, lostKeys(pending, missing)
	}
	var warnings []string
	if len(extra) > 0 {
		warnings = append(warnings, fmt.Sprintf("another writer added %s to secret group %s right after this write; left as it is", strings.Join(limitKeys(extra), ", "), name))
	} else if writtenAfter(wrote.UpdatedAt, got.UpdatedAt) {
		warnings = append(warnings, fmt.Sprintf("secret group %s was written again right after this write, by someone else; its keys are as planned", name))
	}
	w, err := sess.verifyValues(ctx, pending, got)
	return append(warnings, w...), err
}

// writtenAfter reports whether a group's updatedAt read back (got) is later
// than the one its write answered with (wrote): someone wrote after us. When
// either time has only whole seconds (a server may answer a write and a read
// with different precision) only whole seconds are compared, so that a
// precision difference is not taken for another write.
func writtenAfter(wrote, got time.Time) bool {
	if wrote.IsZero() || got.IsZero() {
		return false
	}
	if wrote.Nanosecond() == 0 || got.Nanosecond() == 0 {
		return got.Truncate(time.Second).After(wrote.Truncate(time.Second))
	}
	return got.After(wrote)
}

// lostKeys is the error of a write whose keys another writer removed right
// after it: each key named, with what can bring it back.
func lostKeys(pending *pendingPlan, missing []string) error {
	written := map[string]bool{}
	for _, w := range pending.keys.writes {
		written[w.Key] = w.Value.IsSet()
	}
	var ours, kept []string
	for _, k := range missing {
		if written[k] {
			ours = append(ours, k)
		} else {
			kept = append(kept, k)
		}
	}
	var parts, hints []string
	if len(ours) > 0 {
		parts = append(parts, strings.Join(limitKeys(ours), ", ")+" (written by this command)")
		hints = append(hints, "run this command again to write "+strings.Join(limitKeys(ours), ", ")+" again")
	}
	if len(kept) > 0 {
		parts = append(parts, strings.Join(limitKeys(kept), ", ")+" (kept by this command)")
		hints = append(hints, "tfy-secrets never read the values of "+strings.Join(limitKeys(kept), ", ")+": restore them from where they came from, with tfy-secrets group update "+pending.plan.Group)
	}
	return failure.New(failure.Conflict, "secret group %s lost keys right after this write: %s; another writer removed them at the same time",
		quoteShort(pending.plan.Group), strings.Join(parts, " and ")).WithHint("%s", strings.Join(hints, "; "))
}

// verifyValues reads back the values this write sent and compares each with
// the one written, by digest.
func (sess *session) verifyValues(ctx context.Context, pending *pendingPlan, got Group) ([]string, error) {
	want := map[string]secret.Digest{}
	for _, w := range pending.keys.writes {
		if w.Value.IsSet() {
			want[w.Key] = w.Value.Digest(sess.svc.digestKey)
		}
	}
	stored, hidden, err := sess.storedDigests(ctx, got, want)
	switch {
	case hidden:
		return []string{"this control plane hides values, so only the keys were verified, not the values written"}, nil
	case err != nil:
		sess.log.Debug("values not read back", "error", err)
		return []string{fmt.Sprintf("the values written could not be read back (%v); only the keys were verified", err)}, nil
	}
	var differ, unread []string
	for _, k := range slices.Sorted(maps.Keys(want)) {
		d, ok := stored[k]
		switch {
		case !ok:
			unread = append(unread, k)
		case !d.Equal(want[k]):
			differ = append(differ, k)
		}
	}
	if len(differ) > 0 {
		return nil, failure.New(failure.Conflict, "secret group %s does not hold the value written for %s: another writer changed it right after this write, or the store altered it",
			quoteShort(pending.plan.Group), strings.Join(limitKeys(differ), ", ")).
			WithHint("see its versions with: tfy-secrets secret versions %s:%s; run this command again to write it again", pending.plan.Group, differ[0])
	}
	if len(unread) > 0 {
		return []string{fmt.Sprintf("the values of %s could not be read back; only their keys were verified", strings.Join(limitKeys(unread), ", "))}, nil
	}
	return nil, nil
}

// storedDigests reads the stored values of the keys in want from group g
// (by FQN, so no other key's value is read) and returns their digests; each
// value is wiped once hashed. hidden is true when the control plane hides
// values.
func (sess *session) storedDigests(ctx context.Context, g Group, want map[string]secret.Digest) (map[string]secret.Digest, bool, error) {
	var fqns []string
	for _, sec := range g.Secrets {
		if _, ok := want[sec.Key]; !ok {
			continue
		}
		switch {
		case sec.FQN != "":
			fqns = append(fqns, sec.FQN)
		case g.FQN != "":
			fqns = append(fqns, g.FQN+":"+sec.Key)
		}
	}
	out := make(map[string]secret.Digest, len(fqns))
	if len(fqns) == 0 {
		return out, false, nil
	}
	for sec, err := range sess.api.SecretValues(ctx, fqns) {
		if err != nil {
			return nil, valueViewDisabled(err), err
		}
		if _, ok := want[sec.Key]; !ok || sec.GroupID != "" && sec.GroupID != g.ID {
			sec.Value.Wipe()
			continue
		}
		if !sec.Value.IsSet() {
			return nil, true, nil
		}
		out[sec.Key] = sec.Value.Digest(sess.svc.digestKey)
		sec.Value.Wipe()
	}
	return out, false, nil
}

// markUnchanged compares the value of every key about to be rotated with
// the stored one, by digest, and turns each that would not change into
// "unchanged": it is written without a value, so it keeps its version.
// When values cannot be compared (hidden by the control plane, or the read
// fails) every rotation stays one, a plan warning says why, and it returns
// false.
func (sess *session) markUnchanged(ctx context.Context, pending *pendingPlan) (compared bool) {
	rotating := map[string]secret.Digest{}
	for _, c := range pending.keys.changes {
		if c.Action == plugin.ActionRotate {
			rotating[c.Key] = pending.keys.value(c.Key).Digest(sess.svc.digestKey)
		}
	}
	if len(rotating) == 0 {
		return true
	}
	stored, hidden, err := sess.storedDigests(ctx, pending.group, rotating)
	switch {
	case hidden:
		pending.plan.Warnings = append(pending.plan.Warnings, "this control plane hides values, so a value equal to the stored one cannot be told apart: every named key gets a new version")
		return false
	case err != nil:
		sess.log.Debug("values not compared", "error", err)
		pending.plan.Warnings = append(pending.plan.Warnings, fmt.Sprintf("the stored values could not be compared (%v): every named key gets a new version", err))
		return false
	}
	same := map[string]bool{}
	for k, d := range rotating {
		if s, ok := stored[k]; ok && s.Equal(d) {
			same[k] = true
		}
	}
	pending.keys.markUnchanged(same)
	return true
}

// migrateConflicts refuses a migration that would replace a value the
// group already holds with a different one: the manifest's value and the
// stored one are both someone's current secret, and only the user can say
// which wins (--overwrite). compared is false when the values could not be
// compared, so every key the group holds counts as differing.
func migrateConflicts(pending *pendingPlan, compared bool) error {
	var differ []string
	for _, c := range pending.keys.changes {
		if c.Action == plugin.ActionRotate {
			differ = append(differ, c.Key)
		}
	}
	if len(differ) == 0 {
		return nil
	}
	name := quoteShort(pending.plan.Group)
	keys := strings.Join(limitKeys(differ), ", ")
	if !compared {
		return failure.New(failure.Conflict, "secret group %s already has %s, and its values could not be compared with the manifest's; nothing was written", name, keys).
			WithHint("pass --overwrite to replace them with the manifest's values, or migrate into another group")
	}
	return failure.New(failure.Conflict, "secret group %s already holds a different value for %s; nothing was written", name, keys).
		WithHint("pass --overwrite to replace it with the manifest's value, or migrate into another group")
}

// explainAmbiguousWrite reports what a write that got no clear answer
// left behind. The request may have been applied, and (when the client cut
// it short) may still be, so that is said in every case; the key set read
// back says which way it most likely went, but never whether values were
// rotated: a read does not compare them. It does not write again: a blind
// retry of a full-set PUT could delete keys someone added meanwhile.
func (sess *session) explainAmbiguousWrite(ctx context.Context, pending *pendingPlan, cause error) error {
	sent := fmt.Sprintf("%s of secret group %s was sent but got no answer; it may have been applied", pending.plan.Operation, quoteShort(pending.plan.Group))
	check := fmt.Sprintf("check with: tfy-secrets group get %s", pending.plan.Group)
	ctx, cancel := diagnosisContext(ctx)
	defer cancel()
	g, err := sess.api.GroupByID(ctx, pending.group.ID)
	if err != nil {
		return failure.Wrap(failure.Unavailable, cause, sent+", and the group could not be re-read to tell").WithHint("%s", check)
	}
	now := keysOf(g.Secrets)
	keys := "keys now: " + strings.Join(limitKeys(now), ", ")
	switch {
	case slices.Equal(now, pending.keys.after) && !slices.Equal(now, pending.before):
		return failure.Wrap(failure.Unavailable, cause, fmt.Sprintf("%s: the group now has exactly the planned keys (%s), so it most likely applied; values cannot be compared", sent, keys)).
			WithHint("%s", check)
	case slices.Equal(now, pending.before) && slices.Equal(now, pending.keys.after):
		return failure.Wrap(failure.Unavailable, cause, fmt.Sprintf("%s: its keys are unchanged (%s), as the plan leaves them, so a read cannot tell whether values were rotated", sent, keys)).
			WithHint("%s; running the command again rotates them again", check)
	case slices.Equal(now, pending.before):
		return failure.Wrap(failure.Unavailable, cause, fmt.Sprintf("%s: its keys are unchanged (%s), so most likely it did not apply, unless the request is still on its way; values cannot be compared", sent, keys)).
			WithHint("%s; running the command again re-plans against the current keys", check)
	default:
		missing, extra := keyDiff(pending.keys.after, now)
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

func (sess *session) applyGroupDelete(ctx context.Context, pending *pendingPlan) error {
	if _, err := sess.reread(ctx, pending); err != nil {
		return err
	}
	about := subject{what: "secret group " + quoteShort(pending.plan.Group), integration: &pending.integration}
	if pending.integration.ID == "" {
		about.integration = nil
	}
	delErr := sess.api.DeleteGroup(ctx, pending.group.ID)
	if delErr != nil && !ambiguous(delErr) {
		return sess.svc.mapError("delete secret group", delErr, about)
	}
	// Whether or not an answer arrived, the read-back says what happened.
	rctx, cancel := readBackContext(ctx, delErr)
	defer cancel()
	_, err := sess.api.GroupByID(rctx, pending.group.ID)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case err == nil:
		return failure.New(failure.Unavailable, "secret group %s still exists after the delete", quoteShort(pending.plan.Group)).WithHint(hintRetry)
	default:
		return sess.svc.mapError("verify delete", err, about)
	}
}

func (sess *session) applySecretDelete(ctx context.Context, pending *pendingPlan) error {
	if _, err := sess.reread(ctx, pending); err != nil {
		return err
	}
	about := subject{what: "secret " + quoteShort(pending.secret.Key), integration: &pending.integration, key: pending.secret.Key}
	if pending.integration.ID == "" {
		about.integration = nil
	}
	delErr := sess.api.DeleteSecret(ctx, pending.secret.ID)
	if delErr != nil && !ambiguous(delErr) {
		return sess.svc.mapError("delete secret", delErr, about)
	}
	// Whether or not an answer arrived, the read-back says what happened.
	rctx, cancel := readBackContext(ctx, delErr)
	defer cancel()
	got, err := sess.api.GroupByID(rctx, pending.group.ID)
	if err != nil {
		return sess.svc.mapError("verify delete", err, about)
	}
	now := keysOf(got.Secrets)
	if delErr != nil && slices.Contains(now, pending.secret.Key) {
		return failure.Wrap(failure.Unavailable, delErr, fmt.Sprintf("delete of secret %s got no answer and the key still exists", quoteShort(pending.secret.Key))).WithHint(hintRetry)
	}
	return verifyKeys(pending.plan.Group, pending.keys.after, now)
}
