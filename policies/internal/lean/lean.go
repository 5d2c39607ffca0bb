// Package lean owns the exact bytes the default policy is evaluated on: the
// reduced ("lean") input document and the data document holding the store
// rules. The engine (package policies) writes them on every decision and
// the generator (policies/internal/gen) writes them for the decisions it
// precomputes; sharing this code is what makes a precomputed decision's key
// equal to the input a live evaluation would have seen.
//
// It must not decide anything or interpret the documents; it never sees a
// secret value, only key names and value lengths.
package lean

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/tfy-secrets/tfy-secrets/policies/opawasm"
)

// Input is the part of the policy input the default policies read. Parsing
// JSON inside the wasm module costs tens of nanoseconds per byte, the
// largest fixed cost of a decision, so the default policy is sent only these
// fields. The policies read a change's source only as "is literal", so other
// sources are left out; a length is read only as "a number above a positive
// bound", so zero is left out. The context flags are always sent:
// "show_prefix != true" is undefined, not true, on an absent field. A test
// compares Decide with OPA's evaluation of the Rego on the whole document,
// so a rule reading a field left out here fails it.
type Input struct {
	Operation       string
	IntegrationType string
	Changes         []Change
	Secrets         []Secret
	DryRun          bool
	ShowPrefix      bool
}

// Change is one change as the default policy sees it.
type Change struct {
	Key     string
	Action  string
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
	d.String(in.Operation)
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
		d.String(c.Action)
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
// (checked by the caller), {"stores": ...}, compacted so that the same rules
// give the same bytes however they were formatted.
func Data(stores json.RawMessage) ([]byte, error) {
	if len(stores) == 0 {
		stores = json.RawMessage(`{}`)
	}
	return json.Marshal(map[string]json.RawMessage{"stores": stores})
}

// Hash names a data document in the table of precomputed decisions.
func Hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
