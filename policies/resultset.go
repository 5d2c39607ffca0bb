package policies

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/tfy-secrets/tfy-secrets/policies/opawasm"
)

// parseResultSet reads the result set a policy module printed as JSON ([]
// or [{"result": decision}], see opawasm.Policy.EvalDocument) straight into
// a Decision; defined is false for []. Decoding it with encoding/json (the
// result set, then the decision) cost more than the rest of the Go side of
// a decision together. It accepts and refuses exactly what that decoding
// did (a fuzz target compares them): keys match case-insensitively, a null
// is "no opinion", unknown fields are skipped but must be well-formed, and
// invalid UTF-8 in a string reads as U+FFFD.
func parseResultSet(raw []byte) (d Decision, defined bool, err error) {
	s := scanner{b: raw}
	d, defined, err = s.resultSet()
	if err == nil {
		s.space()
		if s.i != len(s.b) {
			err = s.fail("data after the result set")
		}
	}
	if err != nil {
		return Decision{}, false, fmt.Errorf("result set: %w", err)
	}
	if defined {
		if err := checkDecision(d); err != nil {
			return Decision{}, false, err
		}
	}
	return d, defined, nil
}

// checkDecision refuses words outside the vocabularies.
func checkDecision(d Decision) error {
	if confirmRank(d.Confirm) < 0 {
		return fmt.Errorf("decision: confirm is %q, want none, yes or typed", d.Confirm)
	}
	for k, v := range d.Mask {
		if v != MaskSet && v != MaskPrefix4 {
			return fmt.Errorf("decision: mask[%q] is %q, want set or prefix4", k, v)
		}
	}
	return nil
}

const notADecision = "decision is not a {deny, warn, confirm, mask} document"

// maxScanDepth is encoding/json's nesting limit.
const maxScanDepth = 10000

type scanner struct {
	b []byte
	i int
}

func (s *scanner) fail(what string) error {
	return fmt.Errorf("malformed JSON at byte %d: %s", s.i, what)
}

func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek skips white space and returns the next byte, 0 at the end.
func (s *scanner) peek() byte {
	s.space()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) consume(c byte) bool {
	if s.peek() == c {
		s.i++
		return true
	}
	return false
}

// literal reads a word that peek has seen the first byte of.
func (s *scanner) literal(word string) error {
	if !strings.HasPrefix(string(s.b[s.i:]), word) {
		return s.fail("invalid literal")
	}
	s.i += len(word)
	return nil
}

// null reads a null if one is next.
func (s *scanner) null() (bool, error) {
	if s.peek() != 'n' {
		return false, nil
	}
	return true, s.literal("null")
}

// next moves to the next element of an array (end ']') or member of an
// object (end '}') whose opening bracket was just read (first) or whose
// previous element was, and reports false at its end.
func (s *scanner) next(end byte, first bool) (bool, error) {
	if first {
		return !s.consume(end), nil
	}
	if s.consume(',') {
		return true, nil
	}
	if s.consume(end) {
		return false, nil
	}
	if end == ']' {
		return false, s.fail("want , or ] in an array")
	}
	return false, s.fail("want , or } in an object")
}

// key reads a member's key and the colon after it. The bytes are valid
// until the scanner reads on.
func (s *scanner) key() ([]byte, error) {
	if s.peek() != '"' {
		return nil, s.fail("want a string key")
	}
	k, err := s.strBytes()
	if err != nil {
		return nil, err
	}
	if !s.consume(':') {
		return nil, s.fail("want : after a key")
	}
	return k, nil
}

// is matches a key the way encoding/json matches field names.
func is(key []byte, name string) bool { return strings.EqualFold(string(key), name) }

func (s *scanner) resultSet() (d Decision, defined bool, err error) {
	if isNull, err := s.null(); isNull || err != nil {
		return Decision{}, false, err
	}
	if !s.consume('[') {
		return Decision{}, false, s.fail("want an array")
	}
	for first := true; ; first = false {
		more, err := s.next(']', first)
		if err != nil || !more {
			return d, defined, err
		}
		if defined {
			return Decision{}, false, errors.New("more than one result")
		}
		defined = true
		if !s.consume('{') {
			return Decision{}, false, s.fail("want a result object")
		}
		found := false
		for first := true; ; first = false {
			more, err := s.next('}', first)
			if err != nil {
				return Decision{}, false, err
			}
			if !more {
				break
			}
			k, err := s.key()
			if err != nil {
				return Decision{}, false, err
			}
			if !is(k, "result") {
				if err := s.skip(2); err != nil {
					return Decision{}, false, err
				}
				continue
			}
			found = true
			if d, err = s.decision(); err != nil {
				return Decision{}, false, err
			}
		}
		if !found {
			return Decision{}, false, errors.New("no result field")
		}
	}
}

// decision reads a {deny, warn, confirm, mask} document; a missing or null
// field means no opinion.
func (s *scanner) decision() (Decision, error) {
	d := Decision{Confirm: ConfirmNone}
	if isNull, err := s.null(); isNull || err != nil {
		return d, err
	}
	if !s.consume('{') {
		return Decision{}, errors.New(notADecision)
	}
	for first := true; ; first = false {
		more, err := s.next('}', first)
		if err != nil || !more {
			return d, err
		}
		k, err := s.key()
		if err != nil {
			return Decision{}, err
		}
		switch {
		case is(k, "deny"):
			d.Deny, err = s.stringList()
		case is(k, "warn"):
			d.Warn, err = s.stringList()
		case is(k, "confirm"):
			d.Confirm, err = s.confirm()
		case is(k, "mask"):
			d.Mask, err = s.mask(d.Mask)
		default:
			err = s.skip(3)
		}
		if err != nil {
			return Decision{}, err
		}
	}
}

func (s *scanner) confirm() (string, error) {
	switch {
	case s.word(ConfirmNone):
		return ConfirmNone, nil
	case s.word(ConfirmYes):
		return ConfirmYes, nil
	case s.word(ConfirmTyped):
		return ConfirmTyped, nil
	}
	if isNull, err := s.null(); isNull || err != nil {
		return ConfirmNone, err
	}
	return s.stringValue("confirm")
}

// word reads the string "w" if it is next, without allocating: mask levels
// are most of a decision's strings.
func (s *scanner) word(w string) bool {
	s.space()
	n := len(w) + 2
	if s.i+n <= len(s.b) && s.b[s.i] == '"' && s.b[s.i+n-1] == '"' && string(s.b[s.i+1:s.i+n-1]) == w {
		s.i += n
		return true
	}
	return false
}

// stringValue reads a string, or null as "" (as encoding/json leaves a
// string untouched by null).
func (s *scanner) stringValue(field string) (string, error) {
	switch s.peek() {
	case '"':
		return s.str()
	case 'n':
		return "", s.literal("null")
	}
	return "", fmt.Errorf("%s: %s is not a string", notADecision, field)
}

// stringList reads null (nil) or an array of strings into a fresh slice.
func (s *scanner) stringList() ([]string, error) {
	if isNull, err := s.null(); isNull || err != nil {
		return nil, err
	}
	if !s.consume('[') {
		return nil, errors.New(notADecision + ": deny and warn must be lists of strings")
	}
	out := []string{}
	for first := true; ; first = false {
		more, err := s.next(']', first)
		if err != nil || !more {
			return out, err
		}
		v, err := s.stringValue("a deny or warn entry")
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
}

// mask reads null (nil) or an object of strings, added to m as
// encoding/json adds a repeated object's keys to the same map.
func (s *scanner) mask(m map[string]string) (map[string]string, error) {
	if isNull, err := s.null(); isNull || err != nil {
		return nil, err
	}
	if !s.consume('{') {
		return nil, errors.New(notADecision + ": mask must be an object of strings")
	}
	if m == nil {
		m = map[string]string{}
	}
	for first := true; ; first = false {
		more, err := s.next('}', first)
		if err != nil || !more {
			return m, err
		}
		k, err := s.key()
		if err != nil {
			return nil, err
		}
		key := string(k)
		var v string
		switch {
		case s.word(MaskSet):
			v = MaskSet
		case s.word(MaskPrefix4):
			v = MaskPrefix4
		default:
			if v, err = s.stringValue("a mask level"); err != nil {
				return nil, err
			}
		}
		m[key] = v
	}
}

// skip reads any value, checking its syntax.
func (s *scanner) skip(depth int) error {
	if depth > maxScanDepth {
		return s.fail("nested too deeply")
	}
	switch c := s.peek(); {
	case c == '{':
		s.i++
		for first := true; ; first = false {
			more, err := s.next('}', first)
			if err != nil || !more {
				return err
			}
			if _, err := s.key(); err != nil {
				return err
			}
			if err := s.skip(depth + 1); err != nil {
				return err
			}
		}
	case c == '[':
		s.i++
		for first := true; ; first = false {
			more, err := s.next(']', first)
			if err != nil || !more {
				return err
			}
			if err := s.skip(depth + 1); err != nil {
				return err
			}
		}
	case c == '"':
		_, err := s.strBytes()
		return err
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	}
	return s.fail("want a value")
}

// number reads -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?.
func (s *scanner) number() error {
	digits := func() int {
		n := 0
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	if s.b[s.i] == '-' {
		s.i++
	}
	if s.i < len(s.b) && s.b[s.i] == '0' {
		s.i++
	} else if digits() == 0 {
		return s.fail("invalid number")
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if digits() == 0 {
			return s.fail("invalid number")
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			return s.fail("invalid number")
		}
	}
	return nil
}

// str reads a string at '"'.
func (s *scanner) str() (string, error) {
	b, err := s.strBytes()
	return string(b), err
}

// strBytes reads a string at '"'. Strings without escapes or non-ASCII
// bytes, nearly all of them, are returned in place, valid until the scanner
// reads on.
func (s *scanner) strBytes() ([]byte, error) {
	s.i++ // the opening quote
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], nil
		case c == '\\' || c >= utf8.RuneSelf:
			return s.strSlow(start)
		case c < 0x20:
			return nil, s.fail("control character in a string")
		}
		s.i++
	}
	return nil, s.fail("unterminated string")
}

// strSlow decodes escapes and replaces invalid UTF-8 with U+FFFD, as
// encoding/json does. Runs of plain bytes are copied whole.
func (s *scanner) strSlow(start int) ([]byte, error) {
	// The raw text up to the closing quote bounds the decoded size but
	// for replacements, which append grows for.
	end := s.i
	for end < len(s.b) && s.b[end] != '"' {
		if s.b[end] == '\\' {
			end++
		}
		end++
	}
	out := make([]byte, 0, end-start)
	out = append(out, s.b[start:s.i]...)
	for s.i < len(s.b) {
		run := s.i
		for run < len(s.b) {
			if c := s.b[run]; c == '"' || c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
				break
			}
			run++
		}
		out = append(out, s.b[s.i:run]...)
		s.i = run
		if s.i >= len(s.b) {
			break
		}
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return out, nil
		case c < 0x20:
			return nil, s.fail("control character in a string")
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(s.b[s.i:])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, r)
			} else {
				out = append(out, s.b[s.i:s.i+size]...)
			}
			s.i += size
		default: // a backslash
			s.i++
			if s.i >= len(s.b) {
				return nil, s.fail("unterminated string")
			}
			e := s.b[s.i]
			s.i++
			if b, ok := opawasm.Unescape(e); ok {
				out = append(out, b)
				continue
			}
			if e != 'u' {
				return nil, s.fail("invalid escape")
			}
			r, ok := s.hex4()
			if !ok {
				return nil, s.fail("invalid \\u escape")
			}
			if utf16.IsSurrogate(r) {
				r = s.lowSurrogate(r)
			}
			out = utf8.AppendRune(out, r)
		}
	}
	return nil, s.fail("unterminated string")
}

// hex4 reads the four hex digits of a \u escape.
func (s *scanner) hex4() (rune, bool) {
	if s.i+4 > len(s.b) {
		return 0, false
	}
	var r rune
	for _, c := range s.b[s.i : s.i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	s.i += 4
	return r, true
}

// lowSurrogate completes the surrogate pair begun by hi, or gives U+FFFD
// and leaves what follows unread when no valid low half follows.
func (s *scanner) lowSurrogate(hi rune) rune {
	save := s.i
	if s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
		s.i += 2
		if lo, ok := s.hex4(); ok {
			if r := utf16.DecodeRune(hi, lo); r != utf8.RuneError {
				return r
			}
		}
	}
	s.i = save
	return utf8.RuneError
}
