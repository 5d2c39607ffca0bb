package policies

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"

	"github.com/tfy-secrets/tfy-secrets/policies/internal/defaultinput"
	"github.com/tfy-secrets/tfy-secrets/providers/builtin"
)

// pluginStores is the store-rules object the plugin passes to New (see
// internal/service/wiring): the "stores" member of the providers' data.
func pluginStores(t testing.TB) json.RawMessage {
	t.Helper()
	return builtin.Registry().StoreRules()
}

func newInternalEngine(t testing.TB, stores json.RawMessage) *Engine {
	t.Helper()
	e, err := New(context.Background(), Options{Stores: stores, CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close(context.Background()) })
	return e
}

func sameDecision(a, b policydoc.Decision) bool {
	if !slices.Equal(a.Deny, b.Deny) || !slices.Equal(a.Warn, b.Warn) || a.Confirm != b.Confirm || len(a.Mask) != len(b.Mask) {
		return false
	}
	for k, v := range a.Mask {
		if b.Mask[k] != v {
			return false
		}
	}
	return true
}

// Every precomputed decision equals what default.wasm decides live on the
// same input and store rules, so a stale table cannot hide; and the table
// holds exactly the constant inputs, each reachable through Decide with the
// plugin's store rules.
func TestPrecomputedEqualsLiveEvaluation(t *testing.T) {
	t.Parallel()
	stores := pluginStores(t)
	live := newInternalEngine(t, stores)
	live.precomputedOK = false // force evaluation
	table := newInternalEngine(t, stores)
	if !table.precomputedOK {
		t.Fatal("the plugin's store rules do not match the table; run `go generate ./policies`")
	}
	ctx := context.Background()
	seen := 0
	for _, op := range policydoc.Operations {
		for _, dry := range []bool{false, true} {
			for _, show := range []bool{false, true} {
				in := policydoc.Input{Operation: op, Context: policydoc.Context{DryRun: dry, ShowPrefix: show, Client: "cli", Yes: true}}
				var doc defaultinput.Input
				setView(&doc, in, table.sizeBound)
				var sc scratch
				defaultinput.Write(&sc.doc, &doc)
				key, err := sc.doc.Bytes()
				if err != nil {
					t.Fatal(err)
				}
				entry, ok := precomputed.lookup(key)
				if !ok {
					t.Fatalf("%s dry_run=%v show_prefix=%v: not in the table; run `go generate ./policies`", op, dry, show)
				}
				seen++
				want, err := live.Decide(ctx, in)
				if err != nil {
					t.Fatal(err)
				}
				if got := combine(entry, policydoc.Decision{}); !sameDecision(got, want) {
					t.Errorf("%s: table %+v, live %+v", key, got, want)
				}
				got, err := table.Decide(ctx, in)
				if err != nil || !sameDecision(got, want) {
					t.Errorf("%s: Decide %+v (%v), live %+v", key, got, err, want)
				}
			}
		}
	}
	if seen != len(precomputed.entries) {
		t.Errorf("table has %d entries, %d constant inputs", len(precomputed.entries), seen)
	}
	if !slices.IsSortedFunc(precomputed.entries, func(a, b precomputedDecision) int {
		return cmpString(a.input, b.input)
	}) {
		t.Error("table is not sorted by input")
	}
	if live.RuntimeStarts() != 1 || table.RuntimeStarts() != 0 {
		t.Errorf("runtime starts: live %d (want 1), table %d (want 0)", live.RuntimeStarts(), table.RuntimeStarts())
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestPrecomputedLookupMisses(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "{}", precomputed.entries[0].input + " ", precomputed.entries[len(precomputed.entries)-1].input + "x"} {
		if _, ok := precomputed.lookup([]byte(in)); ok {
			t.Errorf("lookup(%q) hit", in)
		}
	}
}

// A decision answered from the table never starts wazero; the first one
// that is not starts it once, however many decide at the same time.
func TestLazyStartUnderConcurrency(t *testing.T) {
	t.Parallel()
	e := newInternalEngine(t, pluginStores(t))
	ctx := context.Background()
	read := policydoc.Input{Operation: "group.list", Context: policydoc.Context{Client: "cli"}}
	if d, err := e.Decide(ctx, read); err != nil || d.Confirm != policydoc.ConfirmNone || d.Denied() {
		t.Fatalf("group.list = %+v, %v", d, err)
	}
	if n := e.RuntimeStarts(); n != 0 {
		t.Fatalf("a precomputed decision started the runtime %d time(s)", n)
	}
	update := policydoc.Input{
		Operation:   "group.update",
		Integration: policydoc.Integration{Type: "integration/secret-store/azure/vault"},
		Changes:     []policydoc.Change{{Key: "DB_PASSWORD", Action: "add", Source: "env", Length: 20}},
	}
	errs := make(chan error, 16)
	for i := range 16 {
		go func() {
			in := read
			if i%2 == 0 {
				in = update
			}
			d, err := e.Decide(ctx, in)
			switch {
			case err != nil:
				errs <- err
			case in.Operation == "group.update" && (len(d.Deny) != 1 || d.Confirm != policydoc.ConfirmYes):
				errs <- fmt.Errorf("update decided %+v", d)
			default:
				errs <- nil
			}
		}()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := e.RuntimeStarts(); n != 1 {
		t.Fatalf("runtime started %d times, want 1", n)
	}
}

// Store rules other than those the table was computed with bypass it: the
// decision is evaluated.
func TestChangedStoreRulesBypassTheTable(t *testing.T) {
	t.Parallel()
	var stores map[string]map[string]any
	if err := json.Unmarshal(pluginStores(t), &stores); err != nil {
		t.Fatal(err)
	}
	stores["integration/secret-store/azure/vault"]["name"] = "Renamed Vault"
	changed, err := json.Marshal(stores)
	if err != nil {
		t.Fatal(err)
	}
	e := newInternalEngine(t, changed)
	if e.precomputedOK {
		t.Fatal("changed store rules still use the table")
	}
	d, err := e.Decide(context.Background(), policydoc.Input{Operation: "group.delete"})
	if err != nil || d.Confirm != policydoc.ConfirmTyped {
		t.Fatalf("group.delete = %+v, %v", d, err)
	}
	if n := e.RuntimeStarts(); n != 1 {
		t.Fatalf("runtime started %d times, want 1", n)
	}
}

// A table decision is the caller's to change: it must not alias the table.
func TestPrecomputedDecisionIsACopy(t *testing.T) {
	t.Parallel()
	e := newInternalEngine(t, pluginStores(t))
	ctx := context.Background()
	in := policydoc.Input{Operation: "group.create"}
	d, err := e.Decide(ctx, in)
	if err != nil || len(d.Deny) != 1 {
		t.Fatalf("group.create = %+v, %v", d, err)
	}
	d.Deny[0] = "changed"
	again, err := e.Decide(ctx, in)
	if err != nil || again.Deny[0] == "changed" {
		t.Fatalf("second decision %+v (%v) saw the first one's change", again, err)
	}
}

// A start that fails (here: the engine is closed) is reported by the
// decision that needed it, while table decisions keep working.
func TestDecideAfterClose(t *testing.T) {
	t.Parallel()
	e, err := New(context.Background(), Options{Stores: pluginStores(t), CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := e.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Decide(ctx, policydoc.Input{Operation: "group.update", Changes: []policydoc.Change{{Key: "K", Action: "add"}}}); err == nil {
		t.Fatal("Decide after Close started the engine again")
	}
	if _, err := e.Decide(ctx, policydoc.Input{Operation: "group.list"}); err != nil {
		t.Fatalf("table decision after Close: %v", err)
	}
}

// A decision whose --timeout runs out (typically while the first decision
// that needs the runtime compiles the policies) is a timeout, exit 9, not a
// broken policy; the next decision starts afresh.
func TestDecideTimeoutIsUnavailable(t *testing.T) {
	t.Parallel()
	e := newInternalEngine(t, pluginStores(t))
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	update := policydoc.Input{Operation: "group.update", Changes: []policydoc.Change{{Key: "K", Action: "add", Source: "env", Length: 3}}}
	_, err := e.Decide(expired, update)
	if failure.KindOf(err) != failure.Unavailable || !strings.Contains(failure.As(err).Hint, "--timeout") {
		t.Fatalf("err = %v (%s), want unavailable with a --timeout hint", err, failure.KindOf(err))
	}
	if d, err := e.Decide(context.Background(), update); err != nil || d.Confirm != policydoc.ConfirmYes {
		t.Fatalf("after the timeout: %+v, %v", d, err)
	}
}
