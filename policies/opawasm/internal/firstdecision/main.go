// Command firstdecision measures what a fresh plugin process pays for its
// first policy decision: it opens the runtime (and its disk cache), loads one
// policy.wasm, evaluates one entrypoint once, prints the result on stdout and
// the elapsed nanoseconds from the start of main on stderr. The opawasm
// benchmarks build and exec it; it is not shipped.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/tfy-secrets/tfy-secrets/policies/opawasm"
)

func main() {
	start := time.Now()
	wasmPath := flag.String("wasm", "", "policy.wasm to load")
	inputPath := flag.String("input", "", "input JSON file")
	entrypoint := flag.String("entrypoint", "", "entrypoint to evaluate")
	cacheDir := flag.String("cache", "", "compilation cache directory")
	flag.Parse()
	if err := run(*wasmPath, *inputPath, *entrypoint, *cacheDir); err != nil {
		fmt.Fprintln(os.Stderr, "firstdecision:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "first-decision-ns %d\n", time.Since(start).Nanoseconds())
}

func run(wasmPath, inputPath, entrypoint, cacheDir string) error {
	module, err := os.ReadFile(wasmPath)
	if err != nil {
		return err
	}
	input, err := os.ReadFile(inputPath)
	if err != nil {
		return err
	}
	ctx := context.Background()
	rt, err := opawasm.NewRuntime(ctx, opawasm.RuntimeOptions{CacheDir: cacheDir})
	if err != nil {
		return err
	}
	defer rt.Close(ctx)
	if rt.CacheError() != nil {
		return rt.CacheError()
	}
	p, err := rt.Load(ctx, module, nil)
	if err != nil {
		return err
	}
	out, err := p.Eval(ctx, entrypoint, input)
	if err != nil {
		return err
	}
	_, err = fmt.Printf("%s\n", out)
	return err
}
