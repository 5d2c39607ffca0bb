package policies

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tfy-secrets/tfy-secrets/policies/internal/lean"
	"github.com/tfy-secrets/tfy-secrets/policies/opawasm"
)

// Input is the policy input document (design section 6). It holds no value:
// a change says where its value comes from and how long it is, never what it
// is.
type Input struct {
	Operation   string       `json:"operation"`
	Tenant      string       `json:"tenant"`
	Group       Group        `json:"group"`
	Integration Integration  `json:"integration"`
	Changes     []Change     `json:"changes"`
	Secrets     []SecretMeta `json:"secrets"`
	Context     Context      `json:"context"`
}

// Group is the secret group an operation concerns.
type Group struct {
	Name string `json:"name"`
	ID   string `json:"id"`
	FQN  string `json:"fqn"`
}

// Integration is the secret-store integration behind the group. Type is the
// canonical integration type (integration/secret-store/azure/vault) that
// selects the store rules.
type Integration struct {
	ID       string `json:"id"`
	FQN      string `json:"fqn"`
	Type     string `json:"type"`
	Provider string `json:"provider"`
}

// Change is one key of a mutation. Source is empty for keep and remove;
// Length is the value's size in bytes (0 when no value is sent).
type Change struct {
	Key    string `json:"key"`
	Action string `json:"action"`
	Source string `json:"source"`
	Length int    `json:"length"`
}

// SecretMeta is a secret that already exists, for masking decisions.
type SecretMeta struct {
	Key    string `json:"key"`
	ID     string `json:"id"`
	Length int    `json:"length"`
}

// Context is what the invocation says about itself.
type Context struct {
	Client      string `json:"client"`
	Interactive bool   `json:"interactive"`
	Yes         bool   `json:"yes"`
	ConfirmName string `json:"confirm_name"`
	DryRun      bool   `json:"dry_run"`
	CI          bool   `json:"ci"`
	ShowPrefix  bool   `json:"show_prefix"`
}

// The vocabularies of the input document. Policies are written against
// these words, so anything else is refused before evaluation rather than
// silently matching no rule.
var (
	Operations = []string{
		"group.create", "group.update", "group.delete", "group.list", "group.get",
		"secret.get", "secret.delete", "secret.versions", "manifest.migrate", "auth.login",
	}
	Actions = []string{"add", "rotate", "keep", "remove"}
	Sources = []string{"env", "file", "stdin", "prompt", "dotenv", "manifest", "literal"}
	Clients = []string{"cli", "mcp"}
)

// MaxInputBytes bounds `policy eval --input`: a real input is a few KiB even
// for a thousand keys. The host and the plugin refuse a larger document
// before it gets here, with the same limit (plugin.MaxPolicyInput).
const MaxInputBytes = 1 << 20

// ParseInput reads an input document (as `policy eval --input FILE` takes
// it). Unknown fields, wrong types, trailing data and words outside the
// vocabularies are errors naming the field.
func ParseInput(data []byte) (Input, error) {
	if len(data) > MaxInputBytes {
		return Input{}, fmt.Errorf("parse input: document is %d bytes, larger than the %d allowed", len(data), MaxInputBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var in Input
	if err := dec.Decode(&in); err != nil {
		return Input{}, fmt.Errorf("parse input: %w", describeJSONError(data, err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Input{}, errors.New("parse input: unexpected data after the JSON document")
	}
	if err := in.Validate(); err != nil {
		return Input{}, fmt.Errorf("parse input: %w", err)
	}
	return in, nil
}

// describeJSONError locates a syntax error by line and column. The decoder's
// own text quotes the offending character, which could be the start of a
// value pasted into the wrong file, so it is left out.
func describeJSONError(data []byte, err error) error {
	if syn, ok := errors.AsType[*json.SyntaxError](err); ok {
		line, col := position(data, syn.Offset)
		return fmt.Errorf("invalid JSON at line %d, column %d", line, col)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("invalid JSON: the document ends early")
	}
	if errors.Is(err, io.EOF) {
		return errors.New("empty document")
	}
	return err
}

func position(data []byte, offset int64) (line, col int) {
	offset = min(offset, int64(len(data)))
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - (bytes.LastIndexByte(before, '\n') + 1)
	return line, max(col, 1)
}

// Validate checks the vocabularies and lengths, naming the first bad field.
func (in Input) Validate() error {
	if !slices.Contains(Operations, in.Operation) {
		return fmt.Errorf("operation: %q is not one of %s", in.Operation, strings.Join(Operations, ", "))
	}
	if in.Context.Client != "" && !slices.Contains(Clients, in.Context.Client) {
		return fmt.Errorf("context.client: %q is not one of %s", in.Context.Client, strings.Join(Clients, ", "))
	}
	for i, c := range in.Changes {
		if !slices.Contains(Actions, c.Action) {
			return fmt.Errorf("changes[%d].action: %q is not one of %s", i, c.Action, strings.Join(Actions, ", "))
		}
		if c.Source != "" && !slices.Contains(Sources, c.Source) {
			return fmt.Errorf("changes[%d].source: %q is not one of %s", i, c.Source, strings.Join(Sources, ", "))
		}
		if c.Length < 0 {
			return fmt.Errorf("changes[%d].length: %d is negative", i, c.Length)
		}
	}
	for i, s := range in.Secrets {
		if s.Length < 0 {
			return fmt.Errorf("secrets[%d].length: %d is negative", i, s.Length)
		}
	}
	return nil
}

// MarshalJSON renders every field, with empty lists as [] rather than null,
// so policies can rely on the document's shape.
func (in Input) MarshalJSON() ([]byte, error) {
	type plain Input
	p := plain(in)
	if p.Changes == nil {
		p.Changes = []Change{}
	}
	if p.Secrets == nil {
		p.Secrets = []SecretMeta{}
	}
	return json.Marshal(p)
}

// setView fills v with in's lean view (see lean.Input), reusing v's slices.
// Lengths the rules cannot act on are left out like zeros, since the module
// parses every byte it is sent: a change's length is read only by the
// value-size rule, as "above the store's max_value_bytes", so one at or
// below sizeBound (the smallest max_value_bytes of the store rules) is left
// out; a secret's length is read only by masking, and only with
// show_prefix, so without it none is sent.
func setView(v *lean.Input, in Input, sizeBound int) {
	v.Operation = in.Operation
	v.IntegrationType = in.Integration.Type
	v.DryRun, v.ShowPrefix = in.Context.DryRun, in.Context.ShowPrefix
	v.Changes = v.Changes[:0]
	for _, c := range in.Changes {
		n := c.Length
		if n <= sizeBound {
			n = 0
		}
		v.Changes = append(v.Changes, lean.Change{Key: c.Key, Action: c.Action, Literal: c.Source == "literal", Length: n})
	}
	v.Secrets = v.Secrets[:0]
	for _, s := range in.Secrets {
		n := s.Length
		if !in.Context.ShowPrefix {
			n = 0
		}
		v.Secrets = append(v.Secrets, lean.Secret{Key: s.Key, Length: n})
	}
}

// writeFull writes in as the whole input document for an organisation
// policy, byte for byte what json.Marshal(in) writes (a test compares), so
// the document needs no validation before evaluation.
func writeFull(d *opawasm.Document, in *Input) {
	d.Reset()
	d.BeginObject()
	d.Key("operation")
	d.String(in.Operation)
	d.Key("tenant")
	d.String(in.Tenant)
	d.Key("group")
	d.BeginObject()
	d.Key("name")
	d.String(in.Group.Name)
	d.Key("id")
	d.String(in.Group.ID)
	d.Key("fqn")
	d.String(in.Group.FQN)
	d.EndObject()
	d.Key("integration")
	d.BeginObject()
	d.Key("id")
	d.String(in.Integration.ID)
	d.Key("fqn")
	d.String(in.Integration.FQN)
	d.Key("type")
	d.String(in.Integration.Type)
	d.Key("provider")
	d.String(in.Integration.Provider)
	d.EndObject()
	d.Key("changes")
	d.BeginArray()
	for _, c := range in.Changes {
		d.BeginObject()
		d.Key("key")
		d.String(c.Key)
		d.Key("action")
		d.String(c.Action)
		d.Key("source")
		d.String(c.Source)
		d.Key("length")
		d.Int(c.Length)
		d.EndObject()
	}
	d.EndArray()
	d.Key("secrets")
	d.BeginArray()
	for _, s := range in.Secrets {
		d.BeginObject()
		d.Key("key")
		d.String(s.Key)
		d.Key("id")
		d.String(s.ID)
		d.Key("length")
		d.Int(s.Length)
		d.EndObject()
	}
	d.EndArray()
	c := &in.Context
	d.Key("context")
	d.BeginObject()
	d.Key("client")
	d.String(c.Client)
	d.Key("interactive")
	d.Bool(c.Interactive)
	d.Key("yes")
	d.Bool(c.Yes)
	d.Key("confirm_name")
	d.String(c.ConfirmName)
	d.Key("dry_run")
	d.Bool(c.DryRun)
	d.Key("ci")
	d.Bool(c.CI)
	d.Key("show_prefix")
	d.Bool(c.ShowPrefix)
	d.EndObject()
	d.EndObject()
}
