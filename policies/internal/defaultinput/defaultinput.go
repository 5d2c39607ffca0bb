// Package defaultinput owns the exact bytes the default policy is evaluated on: the
// reduced ("lean") input document and the data document holding the store
// rules. The engine (package policies) writes them on every decision and
// the generator (policies/internal/gen) writes them for the decisions it
// precomputes; sharing this code is what makes a precomputed decision's key
// equal to the input a live evaluation would have seen.
//
// It must not decide anything or interpret the documents; it never sees a
// secret value, only key names and value lengths.
package defaultinput

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/policies/opawasm"
)

// Input is the part of the policy input the default policies read. Parsing
// JSON inside the wasm module costs tens of nanoseconds per byte, the
// largest fixed cost of a decision, so the default policy is sent only these
// fields. The policies read a change's source only as "is literal", so other
// sources are left out; a length is read only as "a number above a positive
// bound", so zero is left out (the engine zeroes the lengths no rule could
// act on, see policies.setView). The context flags are always sent:
// "show_prefix != true" is undefined, not true, on an absent field. A test
// compares Decide with OPA's evaluation of the Rego on the whole document,
// so a rule reading a field left out here fails it.
type Input struct {
	Operation       policydoc.Operation
	IntegrationType string
	Changes         []Change
	Secrets         []Secret
	DryRun          bool
	ShowPrefix      bool
}

// Change is one change as the default policy sees it.
type Change struct {
	Key     string
	Action  policydoc.Action
	Literal bool // the value was typed inline
	Length  int
}

// Secret is one existing secret as the default policy sees it.
type Secret struct {
	Key    string
	Length int
}

// Write resets d and writes in as the default policy's input document.
func Write(d *opawasm.Document, in *Input) {
	d.Reset()
	d.BeginObject()
	d.Key("operation")
	d.String(string(in.Operation))
	d.Key("integration")
	d.BeginObject()
	d.Key("type")
	d.String(in.IntegrationType)
	d.EndObject()
	d.Key("changes")
	d.BeginArray()
	for i := range in.Changes {
		c := &in.Changes[i]
		d.BeginObject()
		d.Key("key")
		d.String(c.Key)
		d.Key("action")
		d.String(string(c.Action))
		if c.Literal {
			d.Key("source")
			d.String("literal")
		}
		if c.Length != 0 {
			d.Key("length")
			d.Int(c.Length)
		}
		d.EndObject()
	}
	d.EndArray()
	d.Key("secrets")
	d.BeginArray()
	for i := range in.Secrets {
		s := &in.Secrets[i]
		d.BeginObject()
		d.Key("key")
		d.String(s.Key)
		if s.Length != 0 {
			d.Key("length")
			d.Int(s.Length)
		}
		d.EndObject()
	}
	d.EndArray()
	d.Key("context")
	d.BeginObject()
	d.Key("dry_run")
	d.Bool(in.DryRun)
	d.Key("show_prefix")
	d.Bool(in.ShowPrefix)
	d.EndObject()
	d.EndObject()
}

// Data is the default policy's data document for a store-rules object
// (checked by the caller), {"stores": ..., "underscore_store_names": ...},
// re-encoded so that the same rules give the same bytes however they were
// formatted. Each store's key_chars is reordered most common first (see
// commonFirst).
//
// underscore_store_names is the sorted names of the stores whose
// underscore_ok is true, joined by ", ": what the key-name refusal names
// as the stores that would take the key. It depends on the store rules
// only, yet the Rego comprehension that built it cost about 4 µs of every
// evaluation that refused a key, so it is computed here, once per engine.
// A test compares it with that comprehension evaluated by OPA.
func Data(stores json.RawMessage) ([]byte, error) {
	rules := map[string]map[string]json.RawMessage{}
	if len(stores) > 0 {
		if err := json.Unmarshal(stores, &rules); err != nil {
			return nil, fmt.Errorf("store rules: %w", err)
		}
	}
	names, err := underscoreStoreNames(rules)
	if err != nil {
		return nil, fmt.Errorf("store rules: %w", err)
	}
	for typ, r := range rules {
		raw, ok := r["key_chars"]
		if !ok {
			continue
		}
		var chars string
		if err := json.Unmarshal(raw, &chars); err != nil {
			return nil, fmt.Errorf("store rules: %s: key_chars: %w", typ, err)
		}
		b, err := json.Marshal(commonFirst(chars))
		if err != nil {
			return nil, err
		}
		r["key_chars"] = b
	}
	return json.Marshal(map[string]any{"stores": rules, "underscore_store_names": names})
}

// underscoreStoreNames is what the Rego
// concat(", ", sort([s.name | some s in data.stores; s.underscore_ok == true]))
// evaluates to: Rego sorts strings by their bytes, as slices.Sort does, and
// keeps repeated names.
func underscoreStoreNames(rules map[string]map[string]json.RawMessage) (string, error) {
	var names []string
	for typ, r := range rules {
		var ok bool
		if raw, found := r["underscore_ok"]; !found || json.Unmarshal(raw, &ok) != nil || !ok {
			continue
		}
		var name string
		if err := json.Unmarshal(r["name"], &name); err != nil {
			return "", fmt.Errorf("%s: name: %w", typ, err)
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return strings.Join(names, ", "), nil
}

// commonFirst reorders a list of allowed characters so those key names use
// most (upper case, then '_', '-', digits, lower case) come first, keeping
// the order within each class. The default policy checks a key with
// trim_left, which OPA's wasm runtime implements by scanning the list from
// the start for every character of the key, so the order decides its cost
// while the set of characters, all the rule reads, stays the same.
// Organisation policies see the list as the providers wrote it.
func commonFirst(chars string) string {
	rank := func(r rune) int {
		switch {
		case r >= 'A' && r <= 'Z':
			return 0
		case r == '_':
			return 1
		case r == '-':
			return 2
		case r >= '0' && r <= '9':
			return 3
		case r >= 'a' && r <= 'z':
			return 4
		}
		return 5
	}
	runes := []rune(chars)
	slices.SortStableFunc(runes, func(a, b rune) int { return rank(a) - rank(b) })
	return string(runes)
}

// Hash names a data document in the table of precomputed decisions.
func Hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
