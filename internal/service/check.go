package service

import (
	"context"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// The bounds of one CheckRefs call. A repository's manifests name a few
// hundred groups; the bounds keep a request nobody means (a generated
// file, a loop) from turning into a storm of API calls.
const (
	maxCheckGroups = 10_000
	maxCheckKeys   = 100_000
	// checkParallel is how many group lookups run at once: enough to hide
	// the round trips of a few hundred groups, few enough that a tenant's
	// rate limit is not what the check measures.
	checkParallel = 8
)

// CheckRefs says which of the groups and keys that manifest references
// name exist. Policy decides the check once (operation manifest.check);
// then each distinct group of the login's tenant is looked up once, by its
// FQN, reading its key names only. A group the lookup cannot read is
// answered as unreadable, with the reason, so that one group the key may
// not see does not hide the answers about the others; a failure that
// would fail every lookup alike (the key rejected, the API unavailable)
// fails the call.
func (s *Service) CheckRefs(ctx context.Context, req plugin.CheckRefsRequest) (plugin.CheckRefsResult, error) {
	ctx, cancel, log := s.begin(ctx, req.Call)
	defer cancel()
	groups, err := checkGroups(req.Groups)
	if err != nil {
		return plugin.CheckRefsResult{}, err
	}
	sess, err := s.open(ctx, req.Call, log)
	if err != nil {
		return plugin.CheckRefsResult{}, err
	}
	tenant, source := sess.resolveTenant()
	if _, err := s.decide(ctx, req.Call, log, policydoc.Input{Operation: plugin.OpManifestCheck, Tenant: tenant}); err != nil {
		return plugin.CheckRefsResult{}, err
	}
	out := plugin.CheckRefsResult{Tenant: tenant, TenantSource: source, Groups: make([]plugin.GroupAnswer, len(groups))}
	// A tenant only guessed from the host name cannot tell another
	// tenant's group from a wrong guess: then every group is looked up.
	sure := tenant != "" && source != plugin.TenantFromHost
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	slots := make(chan struct{}, checkParallel)
	for i, g := range groups {
		out.Groups[i] = plugin.GroupAnswer{FQN: g.FQN}
		if t, _, _ := strings.Cut(g.FQN, ":"); sure && t != tenant {
			out.Groups[i].Status = plugin.GroupOtherTenant
			continue
		}
		wg.Go(func() {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-slots }()
			answer, err := sess.checkGroup(ctx, g)
			if err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
				stop()
				return
			}
			out.Groups[i] = answer
		})
	}
	wg.Wait()
	switch {
	case first != nil:
		return plugin.CheckRefsResult{}, first
	case ctx.Err() != nil:
		// Ended from outside (--timeout, the host gone) before every
		// lookup had started.
		return plugin.CheckRefsResult{}, s.mapError("check secret groups", ctx.Err(), subject{what: "secret groups"})
	}
	return out, nil
}

// checkGroups validates the groups asked and merges repeats, keeping the
// order of first appearance. The host sends distinct, well-formed FQNs; a
// request that does not is refused whole rather than half answered.
func checkGroups(in []plugin.RefGroup) ([]plugin.RefGroup, error) {
	if len(in) > maxCheckGroups {
		return nil, failure.New(failure.Usage, "a check may name at most %d secret groups; this one names %d", maxCheckGroups, len(in)).
			WithHint("check fewer manifests at a time")
	}
	at := map[string]int{}
	var out []plugin.RefGroup
	keys := 0
	for _, g := range in {
		if err := checkFQN(g.FQN); err != nil {
			return nil, err
		}
		i, seen := at[g.FQN]
		if !seen {
			i = len(out)
			at[g.FQN] = i
			out = append(out, plugin.RefGroup{FQN: g.FQN})
		}
		for _, k := range g.Keys {
			if k == "" || strings.IndexFunc(k, unicode.IsControl) >= 0 {
				return nil, failure.New(failure.Usage, "a key of secret group %s is empty or holds a control character", quoteShort(g.FQN))
			}
			if !slices.Contains(out[i].Keys, k) {
				out[i].Keys = append(out[i].Keys, k)
				keys++
			}
		}
	}
	if keys > maxCheckKeys {
		return nil, failure.New(failure.Usage, "a check may name at most %d keys; this one names %d", maxCheckKeys, keys).
			WithHint("check fewer manifests at a time")
	}
	return out, nil
}

// checkFQN accepts tenant:group, the form a reference's first two parts
// make.
func checkFQN(fqn string) error {
	tenant, group, ok := strings.Cut(fqn, ":")
	if !ok || tenant == "" || group == "" || strings.Contains(group, ":") || len(fqn) > maxRefLen ||
		strings.IndexFunc(fqn, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return failure.New(failure.Usage, "secret group %s is not TENANT:GROUP", quoteShort(fqn))
	}
	return nil
}

// checkGroup looks one group up and answers for its keys. It returns an
// error only for a failure every lookup would share.
func (sess *session) checkGroup(ctx context.Context, rg plugin.RefGroup) (plugin.GroupAnswer, error) {
	_, name, _ := strings.Cut(rg.FQN, ":")
	g, found, err := sess.api.GroupByFQN(ctx, rg.FQN)
	sess.log.Debug("check group", "fqn", rg.FQN, "found", found, "error", err)
	if err != nil {
		f := failure.As(sess.svc.mapError("find secret group", err, groupSubject(name)))
		if f.Kind != failure.Forbidden && f.Kind != failure.NotFound {
			return plugin.GroupAnswer{}, f
		}
		hint := f.Hint
		if hint == "" {
			hint = "check the API key's permissions on the group, or run the check with a key that can read it"
		}
		return plugin.GroupAnswer{FQN: rg.FQN, Status: plugin.GroupUnreadable, FailureKind: f.Kind, Message: f.Error(), Hint: hint}, nil
	}
	if !found {
		return plugin.GroupAnswer{FQN: rg.FQN, Status: plugin.GroupNotFound}, nil
	}
	have := make(map[string]bool, len(g.Secrets))
	for _, sec := range g.Secrets {
		have[sec.Key] = true
	}
	out := plugin.GroupAnswer{FQN: rg.FQN, Status: plugin.GroupFound, Keys: make([]plugin.KeyAnswer, 0, len(rg.Keys))}
	for _, k := range rg.Keys {
		a := plugin.KeyAnswer{Key: k, Found: have[k]}
		if !a.Found {
			a.Suggestion = similarKey(k, g.Secrets)
		}
		out.Keys = append(out.Keys, a)
	}
	return out, nil
}

// similarKey is the group's key that differs from key only in letter case
// or in '_' against '-' (DB-PASSWORD for DB_PASSWORD in an Azure vault,
// datadog_api_key for DATADOG_API_KEY); the first in sort order when
// several do, "" when none does.
func similarKey(key string, secrets []Secret) string {
	want := looseKey(key)
	best := ""
	for _, sec := range secrets {
		if sec.Key != key && looseKey(sec.Key) == want && (best == "" || sec.Key < best) {
			best = sec.Key
		}
	}
	return best
}

func looseKey(k string) string { return strings.ReplaceAll(strings.ToLower(k), "-", "_") }
