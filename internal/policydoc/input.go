package policydoc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Input is the policy input document. It holds no value: a change says
// where its value comes from and how long it is, never what it is.
type Input struct {
	Operation   Operation   `json:"operation"`
	Tenant      string      `json:"tenant"`
	Group       Group       `json:"group"`
	Integration Integration `json:"integration"`
	Changes     []Change    `json:"changes"`
	Secrets     []Secret    `json:"secrets"`
	Context     Context     `json:"context"`
}

// Group is the secret group an operation concerns (input.group).
type Group struct {
	Name string `json:"name"`
	ID   string `json:"id"`
	FQN  string `json:"fqn"`
}

// Integration is the secret-store integration behind the group
// (input.integration). Type is the canonical integration type
// (integration/secret-store/azure/vault) that selects the store rules.
type Integration struct {
	ID       string `json:"id"`
	FQN      string `json:"fqn"`
	Type     string `json:"type"`
	Provider string `json:"provider"`
}

// Change is one key of a mutation (input.changes[]). Source is empty for
// keep and remove; Length is the value's size in bytes (0 when no value is
// sent).
type Change struct {
	Key    string `json:"key"`
	Action Action `json:"action"`
	Source Source `json:"source"`
	Length int    `json:"length"`
}

// Secret is a secret that already exists, for masking decisions
// (input.secrets[]).
type Secret struct {
	Key    string `json:"key"`
	ID     string `json:"id"`
	Length int    `json:"length"`
}

// Context is what the invocation says about itself (input.context).
type Context struct {
	Client      Client `json:"client"`
	Interactive bool   `json:"interactive"`
	Yes         bool   `json:"yes"`
	ConfirmName string `json:"confirm_name"`
	DryRun      bool   `json:"dry_run"`
	CI          bool   `json:"ci"`
	ShowPrefix  bool   `json:"show_prefix"`
}

// MaxInputBytes bounds an input document read from outside (`policy eval
// --input`), in the host that reads it, the plugin that checks it and the
// engine that parses it. A real input is a few KiB even for a thousand keys.
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
		line, col := Position(data, syn.Offset)
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

// Position is the 1-based line and column of byte offset off in data, for
// errors that must say where a document is broken without quoting it.
func Position(data []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1)
	return line, max(col, 1)
}

// Validate checks the vocabularies and lengths, naming the first bad field.
func (in Input) Validate() error {
	if !slices.Contains(Operations, in.Operation) {
		return fmt.Errorf("operation: %q is not one of %s", in.Operation, join(Operations))
	}
	if in.Context.Client != "" && !slices.Contains(Clients, in.Context.Client) {
		return fmt.Errorf("context.client: %q is not one of %s", in.Context.Client, join(Clients))
	}
	for i, c := range in.Changes {
		if !slices.Contains(Actions, c.Action) {
			return fmt.Errorf("changes[%d].action: %q is not one of %s", i, c.Action, join(Actions))
		}
		if c.Source != "" && !slices.Contains(Sources, c.Source) {
			return fmt.Errorf("changes[%d].source: %q is not one of %s", i, c.Source, join(Sources))
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

func join[W ~string](words []W) string {
	s := make([]string, len(words))
	for i, w := range words {
		s[i] = string(w)
	}
	return strings.Join(s, ", ")
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
		p.Secrets = []Secret{}
	}
	return json.Marshal(p)
}
