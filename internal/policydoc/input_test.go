package policydoc_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
)

func TestParseInputRoundTrip(t *testing.T) {
	t.Parallel()
	in := baseInput()
	in.Changes = []policydoc.Change{{Key: "K", Action: "add", Source: "env", Length: 3}}
	in.Secrets = []policydoc.Secret{{Key: "K", ID: "s", Length: 3}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := policydoc.ParseInput(b)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(got)
	if string(again) != string(b) {
		t.Fatalf("round trip changed the document:\n%s\n%s", b, again)
	}
}

func TestInputMarshalsEmptyListsAsArrays(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(policydoc.Input{Operation: "group.list"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"changes":[]`, `"secrets":[]`, `"show_prefix":false`, `"type":""`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
}

func TestParseInputMalformed(t *testing.T) {
	t.Parallel()
	tests := []struct{ doc, want string }{
		{``, "empty document"},
		{`{"operation":"group.list"`, "ends early"},
		{"{\n  \"operation\": nope\n}", "line 2, column 17"},
		{`[]`, "cannot unmarshal array"},
		{`{"operation":"group.list","value":"x"}`, `unknown field "value"`},
		{`{"operation":"group.list"} {}`, "after the JSON document"},
		{`{"operation":"rm -rf"}`, `operation: "rm -rf" is not one of`},
		{`{"operation":"group.list","context":{"client":"bot"}}`, "context.client"},
		{`{"operation":"group.update","changes":[{"key":"K","action":"add","source":"env"},{"key":"K","action":"wipe"}]}`, "changes[1].action"},
		{`{"operation":"group.update","changes":[{"key":"K","action":"add","source":"argv"}]}`, "changes[0].source"},
		{`{"operation":"group.update","changes":[{"key":"K","action":"add","length":-1}]}`, "changes[0].length"},
		{`{"operation":"group.get","secrets":[{"key":"K","length":-5}]}`, "secrets[0].length"},
		{`{"operation":"group.get","secrets":[{"key":"K","length":"5"}]}`, "length"},
		{`{"operation":"group.get","secrets":[{"key":"K","length":1.5}]}`, "length"},
		{`{"operation":"group.list"}` + strings.Repeat(" ", 8<<20), "larger than"},
	}
	for _, tt := range tests {
		_, err := policydoc.ParseInput([]byte(tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			name := tt.doc
			if len(name) > 60 {
				name = name[:60]
			}
			t.Errorf("ParseInput(%q) = %v, want an error containing %q", name, err, tt.want)
		}
	}
}

func FuzzParseInput(f *testing.F) {
	f.Add([]byte(`{"operation":"group.create","changes":[{"key":"K","action":"add","source":"env","length":3}]}`))
	f.Add([]byte(`{"operation":"group.get","secrets":[{"key":"K","id":"s","length":20}],"context":{"show_prefix":true}}`))
	f.Add([]byte(`{"operation":`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"operation":"group.list"}{}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		in, err := policydoc.ParseInput(doc)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "parse input: ") {
				t.Fatalf("error without its operation: %v", err)
			}
			return
		}
		// Whatever parses must validate and survive a round trip.
		if err := in.Validate(); err != nil {
			t.Fatalf("parsed input does not validate: %v", err)
		}
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := policydoc.ParseInput(b); err != nil {
			t.Fatalf("re-parse of %s: %v", b, err)
		}
	})
}

func baseInput() policydoc.Input {
	return policydoc.Input{
		Operation:   policydoc.OpGroupUpdate,
		Tenant:      "demo",
		Group:       policydoc.Group{Name: "my-app-secrets", ID: "g1", FQN: "demo:my-app-secrets"},
		Integration: policydoc.Integration{ID: "i1", FQN: "demo:azure", Type: "integration/secret-store/azure/vault", Provider: "azure"},
		Context:     policydoc.Context{Client: policydoc.ClientCLI, Interactive: true},
	}
}
