package service

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

func TestCheckPolicyInput(t *testing.T) {
	t.Parallel()
	const canary = "CANARY-policy-input-7f3a"
	bad := map[string]string{
		``:                               "empty or cut short",
		`{"operation":`:                  "empty or cut short",
		`{"operation": x` + canary + `}`: "line 1, column",
		"{\n\"a\":1,\n\"b\" " + canary:   "line 3",
		`[1,2]`:                          "must be a JSON object",
		`{} {}`:                          "more than one JSON document",
		`{"changes":[{"key":"K","value":"` + canary + `"}]}`: "value field at input.changes[0].value",
		`{"context":{"VALUE":1}}`:                            "value field at input.context.VALUE",
	}
	for in, want := range bad {
		err := CheckPolicyInput([]byte(in))
		if failure.KindOf(err) != failure.Usage || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want usage error containing %q", in, err, want)
		}
		if err != nil && strings.Contains(err.Error()+failure.As(err).Hint, canary) {
			t.Errorf("%q: error echoes the input: %v", in, err)
		}
	}
	if err := CheckPolicyInput([]byte(`{"operation":"group.get","changes":[{"key":"K","length":3}]}`)); err != nil {
		t.Fatal(err)
	}
	if err := CheckPolicyInput(make([]byte, maxPolicyInput+1)); err == nil {
		t.Fatal("oversized input accepted")
	}
}

func TestPolicyEvalAndShow(t *testing.T) {
	t.Parallel()
	h := newHarness()
	h.dec.modules = []plugin.PolicyModule{{Name: "default/raw_values.rego", Source: "package tfy.secrets"}}
	out, err := h.svc.EvalPolicy(context.Background(), plugin.PolicyEvalRequest{Call: call(),
		Input: []byte(`{"operation":"group.delete","changes":[],"secrets":[],"context":{}}`)})
	if err != nil {
		t.Fatal(err)
	}
	var dec policydoc.Decision
	if err := json.Unmarshal(out, &dec); err != nil || dec.Confirm != plugin.ConfirmTyped {
		t.Fatalf("decision %s, %v", out, err)
	}
	info, err := h.svc.ShowPolicy(context.Background(), plugin.Call{PolicyPath: "org.tar.gz"})
	if err != nil || len(info.Modules) != 1 || info.Bundle != "org.tar.gz" {
		t.Fatalf("show = %+v, %v", info, err)
	}
}

func FuzzCheckPolicyInput(f *testing.F) {
	for _, s := range []string{`{}`, `{"value":1}`, `{"a":[{"b":{"Value":2}}]}`, `[`, `{"a":"\u0000"}`, `{} x`, `"s"`, `{"\u00ff\"":{"value":0}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		err := CheckPolicyInput(b)
		if err == nil {
			var m map[string]any
			if json.Unmarshal(b, &m) != nil {
				t.Fatalf("accepted input that is not a JSON object: %q", b)
			}
			return
		}
		if failure.KindOf(err) != failure.Usage {
			t.Fatalf("non-usage error %v", err)
		}
	})
}
