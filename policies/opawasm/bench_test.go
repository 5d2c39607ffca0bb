//go:build unix

package opawasm

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/util"
)

// BenchmarkDecisionWarm compares one warm decision (the realistic fixture in
// testdata/decision) on this engine with OPA's topdown interpreter on the same
// modules, data and input. Both are handed the input as JSON bytes, as the
// plugin has it. OPA's own wasm engine (rego.Target("wasm")) is not compared:
// it exists only in OPA builds with -tags opa_wasm and wasmtime-go over cgo,
// which this module does not carry (see docs/opawasm.md).
func BenchmarkDecisionWarm(b *testing.B) {
	fx := loadDecisionFixture(b)
	ctx := context.Background()

	b.Run("engine=opawasm", func(b *testing.B) {
		r := newTestRuntime(b)
		p := mustLoad(b, r, fx.wasm, fx.data)
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			if _, err := p.Eval(ctx, decisionEntrypoint, fx.input); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("engine=topdown", func(b *testing.B) {
		var data map[string]any
		if err := util.UnmarshalJSON(fx.data, &data); err != nil {
			b.Fatal(err)
		}
		opts := []func(*rego.Rego){rego.Query("data.tfy.secrets.decision"), rego.Store(inmem.NewFromObject(data))}
		for name, src := range fx.modules {
			opts = append(opts, rego.Module(name, src))
		}
		pq, err := rego.New(opts...).PrepareForEval(ctx)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			var input any
			if err := util.UnmarshalJSON(fx.input, &input); err != nil {
				b.Fatal(err)
			}
			rs, err := pq.Eval(ctx, rego.EvalInput(input))
			if err != nil || len(rs) != 1 {
				b.Fatal(rs, err)
			}
		}
	})
}

// BenchmarkFirstDecision execs a fresh process (internal/firstdecision) that
// opens the runtime, loads the fixture and decides once; it reports the
// median wall time of the whole process and the median time its main
// measured from its own start, with the compilation cache warm and cold.
func BenchmarkFirstDecision(b *testing.B) {
	fx := loadDecisionFixture(b)
	dir := b.TempDir()
	bin := filepath.Join(dir, "firstdecision")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, "./internal/firstdecision")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build firstdecision: %v\n%s", err, out)
	}
	wasmPath := filepath.Join(dir, "policy.wasm")
	inputPath := filepath.Join(dir, "input.json")
	if err := os.WriteFile(wasmPath, fx.wasm, 0o600); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(inputPath, fx.input, 0o600); err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, cache string) (wall, inProcess time.Duration) {
		cmd := exec.Command(bin, "-wasm", wasmPath, "-input", inputPath, "-entrypoint", decisionEntrypoint, "-cache", cache)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatalf("firstdecision: %v\n%s", err, stderr.String())
		}
		wall = time.Since(start)
		if !strings.Contains(stdout.String(), `"confirm":"yes"`) {
			b.Fatalf("unexpected decision %q", stdout.String())
		}
		ns, err := strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(stderr.String(), "first-decision-ns ")), 10, 64)
		if err != nil {
			b.Fatalf("firstdecision stderr %q: %v", stderr.String(), err)
		}
		return wall, time.Duration(ns)
	}
	report := func(b *testing.B, walls, mains []time.Duration) {
		b.ReportMetric(float64(median(walls).Microseconds())/1000, "ms-process-median")
		b.ReportMetric(float64(median(mains).Microseconds())/1000, "ms-main-median")
	}

	b.Run("cache=warm", func(b *testing.B) {
		cache := filepath.Join(dir, "warm")
		run(b, cache) // fills the cache
		var walls, mains []time.Duration
		for b.Loop() {
			w, m := run(b, cache)
			walls, mains = append(walls, w), append(mains, m)
		}
		report(b, walls, mains)
	})

	b.Run("cache=cold", func(b *testing.B) {
		var walls, mains []time.Duration
		i := 0
		for b.Loop() {
			i++
			w, m := run(b, filepath.Join(dir, "cold"+strconv.Itoa(i)))
			walls, mains = append(walls, w), append(mains, m)
		}
		report(b, walls, mains)
	})
}

// reportCPU reports the process CPU time per operation: on a shared machine
// wall time per operation also counts the time other processes held the CPU.
func reportCPU(b *testing.B) func() {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	return func() {
		b.ReportMetric(float64((cpu()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
