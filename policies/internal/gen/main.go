// Command gen compiles the default Rego policies of package policies into the
// WebAssembly module that package embeds (default.wasm). It runs from
// `go generate` in the policies directory and must stay byte-reproducible:
// CI regenerates and fails on any difference from the committed module.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tfy-secrets/tfy-secrets/policies/authoring"
)

func main() {
	out := flag.String("o", "default.wasm", "output file")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	all, err := filepath.Glob("*.rego")
	if err != nil {
		return err
	}
	files := slices.DeleteFunc(all, func(f string) bool { return strings.HasSuffix(f, authoring.TestSuffix) })
	if len(files) == 0 {
		return errors.New("no policies (*.rego) in the current directory")
	}
	wasm, err := authoring.CompileWasm(context.Background(), files)
	if err != nil {
		return err
	}
	// Leave an up-to-date file untouched so its modification time (and any
	// build cache keyed on it) survives a no-op regeneration.
	if old, err := os.ReadFile(out); err == nil && bytes.Equal(old, wasm) {
		return nil
	}
	return os.WriteFile(out, wasm, 0o644)
}
