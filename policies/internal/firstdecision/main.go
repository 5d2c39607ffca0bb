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

	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/policies"
	"github.com/tfy-secrets/tfy-secrets/providers/builtin"
)

func main() {
	cache := flag.String("cache", "", "compilation cache directory")
	read := flag.Bool("read", false, "decide a group list instead of an update")
	flag.Parse()
	ctx := context.Background()
	in, want := policydoc.Input{
		Operation:   "group.update",
		Integration: policydoc.Integration{Type: "integration/secret-store/azure/vault"},
		Changes:     []policydoc.Change{{Key: "DB-PASSWORD", Action: "rotate", Source: "env", Length: 24}},
	}, policydoc.ConfirmYes
	if *read {
		in, want = policydoc.Input{Operation: "group.list"}, policydoc.ConfirmNone
	}
	start := time.Now()
	e, err := policies.New(ctx, policies.Options{CacheDir: *cache, Stores: builtin.Registry().StoreRules()})
	if err != nil {
		fmt.Fprintln(os.Stderr, "firstdecision:", err)
		os.Exit(1)
	}
	d, err := e.Decide(ctx, in)
	elapsed := time.Since(start)
	if err != nil || d.Confirm != want {
		fmt.Fprintln(os.Stderr, "firstdecision: unexpected decision:", d, err)
		os.Exit(1)
	}
	fmt.Println(elapsed.Nanoseconds())
	_ = e.Close(ctx)
}
