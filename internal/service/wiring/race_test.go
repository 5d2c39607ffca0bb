package wiring_test

import (
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/emulator"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/tfyapi"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// TestConcurrentWriterAtEveryPoint aims the emulator's concurrent writer at
// each request of an update (plan, re-read, write, verification) and checks
// what the user is told and what the store holds afterwards. The one point
// no read can see, between the final re-read and the write, is the residual
// window docs/safety.md describes: its rows pin that documented outcome.
func TestConcurrentWriterAtEveryPoint(t *testing.T) {
	t.Parallel()
	type aim struct {
		method, path string // path "" = the group's own path
		skip         int
		when         string
	}
	var (
		beforePlan = aim{"GET", "/api/svc/v1/secret-groups", 0, "before"}
		planRead   = aim{"GET", "/api/svc/v1/secret-groups", 0, "after"}
		reread     = aim{"GET", "", 0, "after"}
		putBefore  = aim{"PUT", "", 0, "before"}
		putAfter   = aim{"PUT", "", 0, "after"}
		verifyRead = aim{"GET", "", 1, "before"}
		afterAll   = aim{"GET", "", 1, "after"}
	)
	tests := []struct {
		name   string
		aim    aim
		change map[string]string // addKey / removeKey / rotateKey
		kind   failure.Kind      // "" for success
		msg    string            // in the error, or in a result warning
		keys   []string          // stored afterwards
	}{
		{"add before the plan's read", beforePlan, map[string]string{"addKey": "THEIRS"}, "", "", []string{"A", "B", "NEW", "THEIRS"}},
		{"add right after the plan's read", planRead, map[string]string{"addKey": "THEIRS"}, failure.Conflict, "changed since the plan was made (added: THEIRS)", []string{"A", "B", "THEIRS"}},
		{"add after the final re-read (residual window)", reread, map[string]string{"addKey": "THEIRS"}, "", "", []string{"A", "B", "NEW"}},
		{"add just before the write (residual window)", putBefore, map[string]string{"addKey": "THEIRS"}, "", "", []string{"A", "B", "NEW"}},
		{"remove a kept key just before the write", putBefore, map[string]string{"removeKey": "B"}, failure.Conflict, "changed just before this write (removed: B)", []string{"A"}},
		{"add right after the write", putAfter, map[string]string{"addKey": "THEIRS"}, "", "another writer added THEIRS", []string{"A", "B", "NEW", "THEIRS"}},
		{"remove our key right after the write", putAfter, map[string]string{"removeKey": "NEW"}, failure.Conflict, "NEW (written by this command)", []string{"A", "B"}},
		{"remove a kept key right after the write", putAfter, map[string]string{"removeKey": "B"}, failure.Conflict, "B (kept by this command)", []string{"A", "NEW"}},
		{"rotate a kept key right after the write", putAfter, map[string]string{"rotateKey": "B"}, "", "was written again right after this write", []string{"A", "B", "NEW"}},
		{"rotate our key right after the write", putAfter, map[string]string{"rotateKey": "A"}, failure.Conflict, "does not hold the value written for A", []string{"A", "B", "NEW"}},
		{"add just before the verification", verifyRead, map[string]string{"addKey": "THEIRS"}, "", "another writer added THEIRS", []string{"A", "B", "NEW", "THEIRS"}},
		{"add after the verification", afterAll, map[string]string{"addKey": "THEIRS"}, "", "", []string{"A", "B", "NEW", "THEIRS"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// Every write at its own millisecond, as on a real control
			// plane, so that a write right after ours moves updatedAt.
			e := start(t, emulator.Options{Now: tickingClock()})
			gsm := e.integration(t, "integration/secret-store/gcp/gsm")
			_, created, err := e.run(t, plugin.MutationRequest{Call: cli(), Operation: plugin.OpGroupCreate, Group: "app", IntegrationRef: gsm,
				Changes: []plugin.Change{src("A", "a-value"), src("B", "b-value")}}, "")
			if err != nil || !created.Verified {
				t.Fatal(err)
			}
			id := e.groupID(t, "app")
			path := tc.aim.path
			if path == "" {
				path = "/api/svc/v1/secret-groups/" + id
			}
			writer := map[string]any{"group": "app", "method": tc.aim.method, "pathPrefix": path, "skip": tc.aim.skip, "when": tc.aim.when}
			for k, v := range tc.change {
				writer[k] = v
			}
			e.control(t, "/_emulator/concurrent-writer", writer)
			_, res, err := e.run(t, plugin.MutationRequest{Call: cli(), Operation: plugin.OpGroupUpdate, Group: "app",
				Changes: []plugin.Change{src("NEW", "new-value"), src("A", "a-rotated")}}, "")
			switch {
			case tc.kind == "" && err != nil:
				t.Fatalf("err = %v", err)
			case tc.kind == "" && tc.msg == "" && len(res.Warnings) != 0:
				t.Fatalf("warnings %q", res.Warnings)
			case tc.kind == "" && tc.msg != "" && (len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], tc.msg)):
				t.Fatalf("warnings %q, want one with %q", res.Warnings, tc.msg)
			case tc.kind != "" && (failure.KindOf(err) != tc.kind || !strings.Contains(err.Error(), tc.msg)):
				t.Fatalf("err = %v, want %s with %q", err, tc.kind, tc.msg)
			}
			if got := slices.Sorted(maps.Keys(e.values(t, "app"))); !slices.Equal(got, tc.keys) {
				t.Fatalf("stored keys %v, want %v", got, tc.keys)
			}
		})
	}
}

// tickingClock is a clock that moves one millisecond each time it is read.
func tickingClock() func() time.Time {
	var mu sync.Mutex
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Millisecond)
		return now
	}
}

// groupID looks a group's id up through the independent client.
func (e *env) groupID(tb testing.TB, name string) string {
	tb.Helper()
	for g, err := range e.client.ListGroups(tb.Context(), tfyapi.ListGroupsOptions{FQN: "demo:" + name}) {
		if err != nil {
			tb.Fatal(err)
		}
		return g.ID
	}
	tb.Fatalf("no group %s", name)
	return ""
}

// BenchmarkWriteWindow measures the window docs/safety.md calls the one that
// remains: from the moment the API has answered an update's final re-read
// until the update's PUT reaches it. A write by anyone else inside it is
// deleted by the full-set PUT and cannot be seen afterwards. Timed at the
// server, against the emulator on loopback, so it is the client's own share
// of the window; against a real tenant one network round trip adds to it.
func BenchmarkWriteWindow(b *testing.B) {
	srv, err := emulator.NewServer(emulator.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = srv.Stop() })
	var (
		mu       sync.Mutex
		answered time.Time       // the last GET of a group by id was answered
		windows  []time.Duration // answered -> PUT arrived
	)
	inner := srv.Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			arrived := time.Now()
			mu.Lock()
			if !answered.IsZero() {
				windows = append(windows, arrived.Sub(answered))
			}
			mu.Unlock()
		}
		inner.ServeHTTP(w, r)
		if r.Method == http.MethodGet && strings.Count(r.URL.Path, "/") == 5 && strings.HasPrefix(r.URL.Path, "/api/svc/v1/secret-groups/") {
			mu.Lock()
			answered = time.Now()
			mu.Unlock()
		}
	}))
	b.Cleanup(ts.Close)
	svc, _, _, _ := serviceFor(b, ts.URL, srv.APIKey())
	e := &env{srv: srv, svc: svc}
	gsm := e.integration(b, "integration/secret-store/gcp/gsm")
	var keys []plugin.Change
	for i := range 10 {
		keys = append(keys, src(fmt.Sprintf("KEY-%d", i), fmt.Sprintf("value-%d", i)))
	}
	c := plugin.Call{Client: plugin.ClientCLI, Yes: true}
	if _, _, err := e.run(b, plugin.MutationRequest{Call: c, Operation: plugin.OpGroupCreate, Group: "window", IntegrationRef: gsm, Changes: keys}, ""); err != nil {
		b.Fatal(err)
	}
	for i := 0; b.Loop(); i++ {
		if _, _, err := e.run(b, plugin.MutationRequest{Call: c, Operation: plugin.OpGroupUpdate, Group: "window",
			Changes: []plugin.Change{src("KEY-0", fmt.Sprintf("rotated-%d", i))}}, ""); err != nil {
			b.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(windows)
	if len(windows) == 0 {
		b.Fatal("no window measured")
	}
	b.ReportMetric(float64(windows[len(windows)/2].Microseconds()), "µs-window-p50")
	b.ReportMetric(float64(windows[len(windows)*99/100].Microseconds()), "µs-window-p99")
}
