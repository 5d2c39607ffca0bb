package service

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// maxPolicyInput bounds `policy eval` input: the one limit of the host,
// the plugin and the engine.
const maxPolicyInput = plugin.MaxPolicyInput

// ShowPolicy lists the active policy modules.
func (s *Service) ShowPolicy(ctx context.Context, call plugin.Call) (plugin.PolicyInfo, error) {
	ctx, cancel, _ := s.begin(ctx, call)
	defer cancel()
	d, err := s.policy(ctx, call.PolicyPath)
	if err != nil {
		return plugin.PolicyInfo{}, err
	}
	return plugin.PolicyInfo{Modules: d.Modules(), Bundle: call.PolicyPath}, nil
}

// EvalPolicy evaluates a user-supplied input document. The document is
// checked first: it must be one JSON object and must not contain a "value"
// field anywhere, since policy inputs carry lengths, never values. Errors say
// where, never what: the document may hold a value pasted by mistake.
func (s *Service) EvalPolicy(ctx context.Context, req plugin.PolicyEvalRequest) ([]byte, error) {
	ctx, cancel, _ := s.begin(ctx, req.Call)
	defer cancel()
	if err := CheckPolicyInput(req.Input); err != nil {
		return nil, err
	}
	d, err := s.policy(ctx, req.PolicyPath)
	if err != nil {
		return nil, err
	}
	out, err := d.EvalJSON(ctx, req.Input)
	if err != nil {
		if _, ok := errors.AsType[*failure.Error](err); ok {
			return nil, err
		}
		// The engine's own text may quote the input; keep only the cause.
		return nil, failure.Wrap(failure.Config, err, "evaluate policy input failed")
	}
	return out, nil
}

// CheckPolicyInput validates a policy input document for `policy eval`.
func CheckPolicyInput(b []byte) error {
	if len(b) > maxPolicyInput {
		return failure.New(failure.Usage, "policy input is larger than %d bytes (1 MiB)", maxPolicyInput)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return inputSyntaxError(b, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return failure.New(failure.Usage, "policy input has more than one JSON document (at byte %d)", dec.InputOffset())
	}
	if _, ok := doc.(map[string]any); !ok {
		return failure.New(failure.Usage, "policy input must be a JSON object")
	}
	if path := findValueField(doc, "input"); path != "" {
		return failure.New(failure.Usage, "policy input has a value field at %s", path).
			WithHint("policy inputs carry lengths, never values; remove the field")
	}
	return nil
}

// inputSyntaxError reports where a document is broken without quoting it
// (encoding/json's messages quote the offending character).
func inputSyntaxError(b []byte, err error) error {
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		line, col := policydoc.Position(b, se.Offset)
		return failure.New(failure.Usage, "policy input is not valid JSON (line %d, column %d)", line, col)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return failure.New(failure.Usage, "policy input is empty or cut short")
	}
	return failure.New(failure.Usage, "policy input is not valid JSON")
}

// findValueField returns the path of the first field named "value" (any
// case), or "". Only field names appear in the path, never contents.
func findValueField(v any, path string) string {
	switch t := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(t)) {
			child := t[k]
			name := path + "." + k
			if !isPlainName(k) {
				name = path + "[" + strconv.Quote(truncate(k, 40)) + "]"
			}
			if strings.EqualFold(k, "value") {
				return name
			}
			if p := findValueField(child, name); p != "" {
				return p
			}
		}
	case []any:
		for i, child := range t {
			if p := findValueField(child, fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p
			}
		}
	}
	return ""
}

func isPlainName(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
