// Command firstdecision measures what a fresh plugin process pays for its
// first policy decision: policies.New (runtime start, loading the compiled
// default policy, through the compilation cache in -cache) plus one Decide.
// It prints the elapsed time in nanoseconds on stdout. BenchmarkFirstDecision
// in package policies runs it with a cold and a warm cache.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/tfy-secrets/tfy-secrets/policies"
)

func main() {
	cache := flag.String("cache", "", "compilation cache directory")
	flag.Parse()
	ctx := context.Background()
	start := time.Now()
	e, err := policies.New(ctx, policies.Options{CacheDir: *cache})
	if err != nil {
		fmt.Fprintln(os.Stderr, "firstdecision:", err)
		os.Exit(1)
	}
	d, err := e.Decide(ctx, policies.Input{
		Operation:   "group.update",
		Integration: policies.Integration{Type: "integration/secret-store/azure/vault"},
		Changes:     []policies.Change{{Key: "DB-PASSWORD", Action: "rotate", Source: "env", Length: 24}},
	})
	elapsed := time.Since(start)
	if err != nil || d.Confirm != policies.ConfirmYes {
		fmt.Fprintln(os.Stderr, "firstdecision: unexpected decision:", d, err)
		os.Exit(1)
	}
	fmt.Println(elapsed.Nanoseconds())
	_ = e.Close(ctx)
}
