package policies

import "github.com/tfy-secrets/tfy-secrets/internal/policydoc"

// A read (no changes, no secrets, no integration) gives the default policy
// an input that varies only in the operation and two flags, so its decision
// is a constant of the build. `go generate` evaluates default.wasm on each
// such input (policies/internal/gen) and writes the decisions to
// precomputed.go; Decide answers those inputs from the table without
// starting wazero. The table is keyed by the exact lean input bytes and by
// the hash of the store rules it was evaluated with, so an input or rules
// that differ in any byte are evaluated instead. Tests check every entry
// against a live evaluation.

// precomputedTable is the generated table, entries sorted by input.
type precomputedTable struct {
	storesHash string
	entries    []precomputedDecision
}

type precomputedDecision struct {
	input    string
	decision policydoc.Decision
}

// lookup finds the decision for a lean input document.
func (t *precomputedTable) lookup(input []byte) (policydoc.Decision, bool) {
	lo, hi := 0, len(t.entries)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		switch e := t.entries[m].input; {
		case e == string(input):
			return t.entries[m].decision, true
		case e < string(input):
			lo = m + 1
		default:
			hi = m
		}
	}
	return policydoc.Decision{}, false
}
