package policies_test

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	_ "github.com/open-policy-agent/opa/v1/features/wasm" // OPA's own wasm engine, for comparison only
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/policies"
	"github.com/tfy-secrets/tfy-secrets/providers/builtin"
)

// benchInput is a typical update: five keys on an Azure vault, one of them
// spelled with an underscore, and the group's existing secrets.
func benchInput() policydoc.Input {
	in := baseInput()
	in.Context.ShowPrefix = true
	for _, k := range []string{"API-KEY", "DB-PASSWORD", "DB_USER", "LOG-TOKEN", "SMTP-PASSWORD"} {
		in.Changes = append(in.Changes, policydoc.Change{Key: k, Action: "rotate", Source: "env", Length: 32})
		in.Secrets = append(in.Secrets, policydoc.Secret{Key: k, ID: "id-" + k, Length: 32})
	}
	in.Changes[2].Action = "add"
	return in
}

// BenchmarkDecide compares one warm decision of the default policy on the
// same input: our engine (wasm on wazero), OPA's topdown evaluator, and
// OPA's own wasm target. Run: go test -run '^$' -bench Decide -benchmem ./policies
func BenchmarkDecide(b *testing.B) {
	ctx := context.Background()
	in := benchInput()
	doc, err := json.Marshal(in)
	if err != nil {
		b.Fatal(err)
	}
	parsed, err := ast.ValueFromReader(strings.NewReader(string(doc)))
	if err != nil {
		b.Fatal(err)
	}

	b.Run("engine", func(b *testing.B) {
		e := warmEngine(b, "", in)
		b.ReportAllocs()
		defer reportCPU(b)()
		fastest := batchTimer(b)
		for b.Loop() {
			fastest()
			if _, err := e.Decide(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("engine+org-bundle", func(b *testing.B) {
		e := warmEngine(b, buildExample(b, "upper-kebab"), in)
		b.ReportAllocs()
		defer reportCPU(b)()
		fastest := batchTimer(b)
		for b.Loop() {
			fastest()
			if _, err := e.Decide(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, target := range []string{"topdown", "opa-wasm"} {
		b.Run(target, func(b *testing.B) {
			pq := prepareOPA(b, target)
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				rs, err := pq.Eval(ctx, rego.EvalParsedInput(parsed))
				if err != nil || len(rs) != 1 {
					b.Fatalf("eval: %v", err)
				}
			}
		})
	}
}

// warmEngine is an engine that has made one decision on in: the engine
// starts its runtime on first use, and a warm decision is what the budget
// is about, so that start (tens of ms) must not land in the first batch,
// the mean and the allocations per operation.
func warmEngine(b *testing.B, bundle string, in policydoc.Input) *policies.Engine {
	b.Helper()
	e := newEngine(b, bundle)
	if _, err := e.Decide(context.Background(), in); err != nil {
		b.Fatal(err)
	}
	return e
}

// batchSize is the number of operations batchTimer times together.
const batchSize = 20

// batchTimer, called at the top of every iteration, times the loop in
// batches of batchSize operations and reports, per operation, the median
// batch (median-ns/op, the statistic of the design's budget) and the
// fastest one (fastest-ns/op) when the benchmark ends. On the shared 2-core
// machine the average (ns/op) moves by a factor of two with other work; the
// median resists a minority of disturbed batches, and the fastest batch
// shows what an operation costs when nothing interferes (docs/benchmarks.md
// calls that the quiet figure).
func batchTimer(b *testing.B) func() {
	var (
		n       int
		start   time.Time
		batches []time.Duration
	)
	b.Cleanup(func() {
		if len(batches) == 0 {
			return
		}
		slices.Sort(batches)
		b.ReportMetric(float64(batches[len(batches)/2].Nanoseconds())/batchSize, "median-ns/op")
		b.ReportMetric(float64(batches[0].Nanoseconds())/batchSize, "fastest-ns/op")
	})
	return func() {
		if n%batchSize == 0 {
			now := time.Now()
			if n > 0 {
				batches = append(batches, now.Sub(start))
			}
			start = now
		}
		n++
	}
}

// reportCPU, deferred around a benchmark loop, reports the process's CPU
// time per operation (cpu-ns/op) beside the wall time.
func reportCPU(b *testing.B) func() {
	start, ok := cpuTime()
	return func() {
		if end, ok2 := cpuTime(); ok && ok2 {
			b.ReportMetric(float64((end-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
	}
}

func prepareOPA(b *testing.B, target string) rego.PreparedEvalQuery {
	b.Helper()
	var data map[string]any
	if err := json.Unmarshal(dataDocument(b, true), &data); err != nil {
		b.Fatal(err)
	}
	opts := []func(*rego.Rego){
		rego.Query("data.tfy.secrets.decision"),
		rego.Store(inmem.NewFromObject(data)),
		rego.SetRegoVersion(ast.RegoV1),
	}
	if target == "opa-wasm" {
		opts = append(opts, rego.Target("wasm"))
	}
	for _, f := range defaultSources(b) {
		src, err := readFile(f)
		if err != nil {
			b.Fatal(err)
		}
		opts = append(opts, rego.Module(f, src))
	}
	pq, err := rego.New(opts...).PrepareForEval(context.Background())
	if err != nil {
		b.Fatalf("prepare %s: %v", target, err)
	}
	return pq
}

// BenchmarkDecidePrecomputed is a read the precomputed table answers (a
// group list, with the store rules the plugin passes): no wasm runs.
func BenchmarkDecidePrecomputed(b *testing.B) {
	e, err := policies.New(context.Background(), policies.Options{Stores: builtin.Registry().StoreRules(), CacheDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close(context.Background())
	in := policydoc.Input{Operation: "group.list", Tenant: "demo", Context: policydoc.Context{Client: "cli"}}
	b.ReportAllocs()
	for b.Loop() {
		if d, err := e.Decide(context.Background(), in); err != nil || d.Confirm != policydoc.ConfirmNone {
			b.Fatalf("decide: %+v %v", d, err)
		}
	}
	if n := e.RuntimeStarts(); n != 0 {
		b.Fatalf("the wasm runtime started %d time(s)", n)
	}
}

// BenchmarkDecideLargeUpdate is the decision for an update of a group of
// 1,000 keys (design section 9 budgets the whole update at 1 s).
func BenchmarkDecideLargeUpdate(b *testing.B) {
	in := baseInput()
	for i := range 1000 {
		k := "KEY-" + strings.Repeat("X", i%7) + itoa(i)
		in.Changes = append(in.Changes, policydoc.Change{Key: k, Action: "add", Source: "dotenv", Length: 40})
		in.Secrets = append(in.Secrets, policydoc.Secret{Key: k, ID: "id", Length: 40})
	}
	e := newEngine(b, "")
	b.ReportAllocs()
	for b.Loop() {
		d, err := e.Decide(context.Background(), in)
		if err != nil || d.Denied() {
			b.Fatalf("decide: %v %q", err, d.Deny)
		}
	}
}

// BenchmarkFirstDecision runs a fresh process (policies/internal/firstdecision)
// per iteration and reports the New+Decide time it measured in itself
// (first-ns/op), with a cache filled by an earlier process (warm) and with
// an empty one (cold), and for a read the precomputed table answers
// (read). Whole-process time is ns/op.
func BenchmarkFirstDecision(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "firstdecision")
	if out, err := exec.Command("go", "build", "-o", bin, "./internal/firstdecision").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	run := func(b *testing.B, cache string, args ...string) time.Duration {
		out, err := exec.Command(bin, append([]string{"-cache", cache}, args...)...).Output()
		if err != nil {
			b.Fatalf("firstdecision: %v", err)
		}
		ns, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
		if err != nil {
			b.Fatalf("firstdecision printed %q", out)
		}
		return time.Duration(ns)
	}
	b.Run("warm", func(b *testing.B) {
		cache := b.TempDir()
		run(b, cache)
		var total time.Duration
		for b.Loop() {
			total += run(b, cache)
		}
		b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "first-ns/op")
	})
	b.Run("read", func(b *testing.B) {
		cache := b.TempDir()
		var total time.Duration
		for b.Loop() {
			total += run(b, cache, "-read")
		}
		b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "first-ns/op")
	})
	b.Run("cold", func(b *testing.B) {
		var total time.Duration
		for b.Loop() {
			total += run(b, b.TempDir())
		}
		b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "first-ns/op")
	})
}
