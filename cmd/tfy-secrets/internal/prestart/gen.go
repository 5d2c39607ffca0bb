//go:build ignore

// gen writes tables.go from the host's command tree (go generate).
package main

import (
	"fmt"
	"os"

	"github.com/tfy-secrets/tfy-secrets/cmd/tfy-secrets/internal/prestart/internal/tables"
)

func main() {
	src, err := tables.Source()
	if err == nil {
		err = os.WriteFile(tables.File, src, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
