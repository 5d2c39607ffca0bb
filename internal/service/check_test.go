package service

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

func checkRequest(groups ...plugin.RefGroup) plugin.CheckRefsRequest {
	return plugin.CheckRefsRequest{Call: call(), Groups: groups}
}

func TestCheckRefsAnswersEachGroupAndKey(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.creds.tenant = "demo"
	const canary = "canary-check-value-7f3a"
	h.api.add("app", map[string]string{"DB_PASSWORD": canary, "DATADOG-API-KEY": canary, "datadog_api_key": canary, "LOG_TOKEN": canary})
	got, err := h.svc.CheckRefs(context.Background(), checkRequest(
		plugin.RefGroup{FQN: "demo:app", Keys: []string{"DB_PASSWORD", "DATADOG_API_KEY", "log-token", "MISSING"}},
		plugin.RefGroup{FQN: "demo:nope", Keys: []string{"K"}},
		plugin.RefGroup{FQN: "acme:app", Keys: []string{"K"}},
	))
	if err != nil {
		t.Fatal(err)
	}
	want := plugin.CheckRefsResult{Tenant: "demo", TenantSource: plugin.TenantFromKey, Groups: []plugin.GroupAnswer{
		{FQN: "demo:app", Status: plugin.GroupFound, Keys: []plugin.KeyAnswer{
			{Key: "DB_PASSWORD", Found: true},
			// Two keys differ only by case or '-': the first in sort order.
			{Key: "DATADOG_API_KEY", Suggestion: "DATADOG-API-KEY"},
			{Key: "log-token", Suggestion: "LOG_TOKEN"},
			{Key: "MISSING"},
		}},
		{FQN: "demo:nope", Status: plugin.GroupNotFound},
		{FQN: "acme:app", Status: plugin.GroupOtherTenant},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got\n%+v\nwant\n%+v", got, want)
	}
	// One lookup per group of the login's tenant; another tenant's group
	// is not looked up; no value is ever read.
	if n := h.api.callCount("GroupByFQN"); n != 2 {
		t.Errorf("GroupByFQN called %d times, want 2", n)
	}
	for _, c := range []string{"Secrets", "SecretsWithValue", "SecretValues", "SecretByID", "ListGroups", "GroupByID"} {
		if n := h.api.callCount(c); n != 0 {
			t.Errorf("%s called %d times, want none", c, n)
		}
	}
	if len(h.dec.inputs) != 1 || !strings.Contains(h.dec.inputs[0], `"operation":"manifest.check"`) || !strings.Contains(h.dec.inputs[0], `"tenant":"demo"`) {
		t.Errorf("policy inputs %v, want one manifest.check for tenant demo", h.dec.inputs)
	}
	if strings.Contains(h.debug.String(), canary) || strings.Contains(fmt.Sprintf("%+v", got), canary) || strings.Contains(strings.Join(h.dec.inputs, ""), canary) {
		t.Error("a value reached the answer, the policy input or the debug log")
	}
}

// 200 groups, each named twice and with repeated keys: one lookup each.
func TestCheckRefsLooksEachGroupUpOnce(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.creds.tenant = "demo"
	var groups []plugin.RefGroup
	for i := range 200 {
		name := fmt.Sprintf("g%03d", i)
		if i%2 == 0 {
			h.api.add(name, map[string]string{"K": "v"})
		}
		groups = append(groups, plugin.RefGroup{FQN: "demo:" + name, Keys: []string{"K", "K"}}, plugin.RefGroup{FQN: "demo:" + name, Keys: []string{"J", "K"}})
	}
	got, err := h.svc.CheckRefs(context.Background(), checkRequest(groups...))
	if err != nil {
		t.Fatal(err)
	}
	if n := h.api.callCount("GroupByFQN"); n != 200 {
		t.Fatalf("GroupByFQN called %d times, want 200", n)
	}
	if len(got.Groups) != 200 {
		t.Fatalf("%d answers, want 200", len(got.Groups))
	}
	for i, g := range got.Groups {
		want := plugin.GroupAnswer{FQN: fmt.Sprintf("demo:g%03d", i), Status: plugin.GroupNotFound}
		if i%2 == 0 {
			want.Status, want.Keys = plugin.GroupFound, []plugin.KeyAnswer{{Key: "K", Found: true}, {Key: "J"}}
		}
		if !reflect.DeepEqual(g, want) {
			t.Fatalf("answer %d: %+v, want %+v", i, g, want)
		}
	}
}

// A tenant guessed from the host name proves nothing about a reference to
// another tenant: the group is looked up like any other.
func TestCheckRefsLooksUpOtherTenantsWhenTheTenantIsAGuess(t *testing.T) {
	t.Parallel()
	h := newHarness()
	got, err := h.svc.CheckRefs(context.Background(), checkRequest(plugin.RefGroup{FQN: "acme:app", Keys: []string{"K"}}))
	if err != nil {
		t.Fatal(err)
	}
	if got.Tenant != "demo" || got.TenantSource != plugin.TenantFromHost || got.Groups[0].Status != plugin.GroupNotFound {
		t.Fatalf("got %+v", got)
	}
	if n := h.api.callCount("GroupByFQN"); n != 1 {
		t.Fatalf("GroupByFQN called %d times, want 1", n)
	}
}

func TestCheckRefsReportsAnUnreadableGroupAndAnswersTheOthers(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.creds.tenant = "demo"
	h.api.add("open", map[string]string{"K": "v"})
	h.api.failFQN = map[string]error{"demo:closed": statusErr("list secret groups", 403, "Forbidden")}
	got, err := h.svc.CheckRefs(context.Background(), checkRequest(
		plugin.RefGroup{FQN: "demo:closed", Keys: []string{"K"}},
		plugin.RefGroup{FQN: "demo:open", Keys: []string{"K"}},
	))
	if err != nil {
		t.Fatal(err)
	}
	closed := got.Groups[0]
	if closed.Status != plugin.GroupUnreadable || closed.FailureKind != failure.Forbidden ||
		!strings.Contains(closed.Message, `"closed"`) || closed.Hint == "" || len(closed.Keys) != 0 {
		t.Errorf("unreadable group answered %+v", closed)
	}
	if got.Groups[1].Status != plugin.GroupFound || !got.Groups[1].Keys[0].Found {
		t.Errorf("readable group answered %+v", got.Groups[1])
	}
}

func TestCheckRefsFailsWholeWhenEveryLookupWould(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		err  error
		kind failure.Kind
	}{
		"key rejected":    {statusErr("list secret groups", 401, "Invalid API key"), failure.Unauthorized},
		"api unavailable": {statusErr("list secret groups", 503, ""), failure.Unavailable},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness()
			h.creds.tenant = "demo"
			h.api.failOn["GroupByFQN"] = tc.err
			var groups []plugin.RefGroup
			for i := range 40 {
				groups = append(groups, plugin.RefGroup{FQN: fmt.Sprintf("demo:g%d", i), Keys: []string{"K"}})
			}
			_, err := h.svc.CheckRefs(context.Background(), checkRequest(groups...))
			if failure.KindOf(err) != tc.kind {
				t.Fatalf("got %v (%s), want %s", err, failure.KindOf(err), tc.kind)
			}
		})
	}
}

func TestCheckRefsObeysPolicyBeforeAnyLookup(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.dec.decide = func(in policydoc.Input) policydoc.Decision {
		if in.Operation == plugin.OpManifestCheck {
			return policydoc.Decision{Deny: []string{"no checks on Fridays"}}
		}
		return defaultDecision(in)
	}
	_, err := h.svc.CheckRefs(context.Background(), checkRequest(plugin.RefGroup{FQN: "demo:app", Keys: []string{"K"}}))
	if failure.KindOf(err) != failure.Denied || !strings.Contains(err.Error(), "no checks on Fridays") {
		t.Fatalf("got %v", err)
	}
	if n := h.api.callCount("GroupByFQN"); n != 0 {
		t.Fatalf("GroupByFQN called %d times before policy allowed", n)
	}
}

func TestCheckRefsRefusesMalformedRequests(t *testing.T) {
	t.Parallel()
	many := make([]plugin.RefGroup, maxCheckGroups+1)
	for i := range many {
		many[i] = plugin.RefGroup{FQN: fmt.Sprintf("demo:g%d", i)}
	}
	for name, groups := range map[string][]plugin.RefGroup{
		"no tenant":       {{FQN: "app", Keys: []string{"K"}}},
		"three parts":     {{FQN: "demo:app:K"}},
		"empty group":     {{FQN: "demo:"}},
		"space":           {{FQN: "demo:my app"}},
		"empty key":       {{FQN: "demo:app", Keys: []string{""}}},
		"control in key":  {{FQN: "demo:app", Keys: []string{"K\x1b[2J"}}},
		"too many groups": many,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness()
			_, err := h.svc.CheckRefs(context.Background(), checkRequest(groups...))
			if failure.KindOf(err) != failure.Usage {
				t.Fatalf("got %v", err)
			}
			if h.connect != 0 {
				t.Fatal("connected for a request refused outright")
			}
		})
	}
}

func TestCheckRefsWithNoGroupsStillNamesTheTenant(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.creds.tenant = "demo"
	got, err := h.svc.CheckRefs(context.Background(), checkRequest())
	if err != nil || got.Tenant != "demo" || len(got.Groups) != 0 {
		t.Fatalf("got %+v, %v", got, err)
	}
}

// BenchmarkCheckRefs200Groups is the plugin's part of a check naming 200
// groups of 50 keys each: policy, one lookup per group (in memory here)
// and the answers.
func BenchmarkCheckRefs200Groups(b *testing.B) {
	h := newHarness()
	h.creds.tenant = "demo"
	var groups []plugin.RefGroup
	for i := range 200 {
		kv := map[string]string{}
		var keys []string
		for k := range 50 {
			kv[fmt.Sprintf("KEY_%04d", k)] = "v"
			keys = append(keys, fmt.Sprintf("KEY_%04d", k))
		}
		name := fmt.Sprintf("mf-%05d", i+1)
		h.api.add(name, kv)
		groups = append(groups, plugin.RefGroup{FQN: "demo:" + name, Keys: keys})
	}
	req := checkRequest(groups...)
	req.Debug = false
	b.ReportAllocs()
	for b.Loop() {
		got, err := h.svc.CheckRefs(context.Background(), req)
		if err != nil || len(got.Groups) != 200 {
			b.Fatalf("%d answers, %v", len(got.Groups), err)
		}
	}
}
