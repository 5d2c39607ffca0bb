package policies

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/policies/opawasm"
)

// readDecision reads the default policy's result set in place from the
// module's memory (see opawasm.Policy.EvalView) into a policydoc.Decision; defined is
// false for an empty set. The default policy's decision has a known shape,
// so anything else (a field of another type, an unknown field, a second
// result) is an error: it could only come from a broken build. Organisation
// policies, whose documents may use any shape encoding/json accepts, go
// through parseResultSet instead. Invalid UTF-8 in a string reads as U+FFFD
// per byte, as encoding/json reads it.
func readDecision(rs opawasm.View) (d policydoc.Decision, defined bool, err error) {
	n, err := rs.Len()
	if err != nil || rs.Kind() != opawasm.KindSet {
		return policydoc.Decision{}, false, fmt.Errorf("result set: %s", kindError(rs, opawasm.KindSet, err))
	}
	switch n {
	case 0:
		return policydoc.Decision{}, false, nil
	case 1:
	default:
		return policydoc.Decision{}, false, fmt.Errorf("result set: %d results, want at most 1", n)
	}
	err = rs.Set(func(row opawasm.View) error {
		found := false
		err := row.Object(func(k, v opawasm.View) error {
			if !isWord(k, "result") {
				return errors.New("a result row has a field other than result")
			}
			found = true
			d, err = decisionView(v)
			return err
		})
		if err == nil && !found {
			err = errors.New("no result field")
		}
		return err
	})
	if err != nil {
		return policydoc.Decision{}, false, fmt.Errorf("result set: %w", err)
	}
	if err := checkDecision(d); err != nil {
		return policydoc.Decision{}, false, err
	}
	return d, true, nil
}

func kindError(v opawasm.View, want opawasm.Kind, err error) error {
	if err != nil && v.Kind() == want {
		return err
	}
	return fmt.Errorf("got %s, want %s", v.Kind(), want)
}

// isWord reports whether v is the string w.
func isWord(v opawasm.View, w string) bool {
	b, err := v.Bytes()
	return err == nil && string(b) == w
}

// decisionView reads the decision object; an absent confirm is "none", as
// in parseResultSet.
func decisionView(v opawasm.View) (policydoc.Decision, error) {
	d := policydoc.Decision{Confirm: policydoc.ConfirmNone}
	err := v.Object(func(k, val opawasm.View) error {
		key, err := k.Bytes()
		if err != nil {
			return fmt.Errorf("decision key: %w", err)
		}
		switch string(key) {
		case "deny":
			d.Deny, err = stringsView(val)
		case "warn":
			d.Warn, err = stringsView(val)
		case "confirm":
			d.Confirm, err = wordView(val, policydoc.ConfirmNone, policydoc.ConfirmYes, policydoc.ConfirmTyped)
		case "mask":
			d.Mask, err = maskView(val)
		default:
			return fmt.Errorf("%s: %q is not a decision field", notADecision, key)
		}
		if err != nil {
			return fmt.Errorf("decision: %s: %w", key, err)
		}
		return nil
	})
	return d, err
}

// stringsView reads an array of strings.
func stringsView(v opawasm.View) ([]string, error) {
	n, err := v.Len()
	if err != nil || v.Kind() != opawasm.KindArray {
		return nil, kindError(v, opawasm.KindArray, err)
	}
	out := make([]string, 0, n)
	err = v.Array(func(e opawasm.View) error {
		b, err := e.Bytes()
		if err != nil {
			return err
		}
		out = append(out, text(b))
		return nil
	})
	return out, err
}

// wordView reads a string that is expected to be one of words, returning
// the constant rather than a copy; any other string is copied (and refused
// later by checkDecision, which names it).
func wordView[W ~string](v opawasm.View, words ...W) (W, error) {
	b, err := v.Bytes()
	if err != nil {
		return "", err
	}
	for _, w := range words {
		if string(b) == string(w) {
			return w, nil
		}
	}
	return W(text(b)), nil
}

func maskView(v opawasm.View) (map[string]string, error) {
	n, err := v.Len()
	if err != nil || v.Kind() != opawasm.KindObject {
		return nil, kindError(v, opawasm.KindObject, err)
	}
	out := make(map[string]string, n)
	err = v.Object(func(k, val opawasm.View) error {
		key, err := k.Bytes()
		if err != nil {
			return fmt.Errorf("key: %w", err)
		}
		level, err := wordView(val, policydoc.MaskSet, policydoc.MaskPrefix4)
		if err != nil {
			return fmt.Errorf("%q: %w", key, err)
		}
		out[text(key)] = level
		return nil
	})
	return out, err
}

// text copies b into a string, replacing each byte that is not part of
// valid UTF-8 with U+FFFD.
func text(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			out = utf8.AppendRune(out, r)
		} else {
			out = append(out, b[:size]...)
		}
		b = b[size:]
	}
	return string(out)
}
