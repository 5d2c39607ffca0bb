package policies

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
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

// elements calls each for every element of an array, after the '['.
func (s *scanner) elements(each func() error) error {
	if s.consume(']') {
		return nil
	}
	for {
		if err := each(); err != nil {
			return err
		}
		if s.consume(',') {
			continue
		}
		if s.consume(']') {
			return nil
		}
		return s.fail("want , or ] in an array")
	}
}

// members calls each with every key of an object, after the '{'; each
// reads the value.
func (s *scanner) members(each func(key string) error) error {
	if s.consume('}') {
		return nil
	}
	for {
		if s.peek() != '"' {
			return s.fail("want a string key")
		}
		key, err := s.str()
		if err != nil {
			return err
		}
		if !s.consume(':') {
			return s.fail("want : after a key")
		}
		if err := each(key); err != nil {
			return err
		}
		if s.consume(',') {
			continue
		}
		if s.consume('}') {
			return nil
		}
		return s.fail("want , or } in an object")
	}
}

func (s *scanner) resultSet() (d Decision, defined bool, err error) {
	if isNull, err := s.null(); isNull || err != nil {
		return Decision{}, false, err
	}
	if !s.consume('[') {
		return Decision{}, false, s.fail("want an array")
	}
	rows := 0
	err = s.elements(func() error {
		if rows++; rows > 1 {
			return errors.New("more than one result")
		}
		if !s.consume('{') {
			return s.fail("want a result object")
		}
		found := false
		err := s.members(func(key string) error {
			if !strings.EqualFold(key, "result") {
				return s.skip(2)
			}
			found = true
			var err error
			d, err = s.decision()
			return err
		})
		if err == nil && !found {
			err = errors.New("no result field")
		}
		return err
	})
	return d, rows == 1, err
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
	err := s.members(func(key string) error {
		var err error
		switch {
		case strings.EqualFold(key, "deny"):
			d.Deny, err = s.stringList()
		case strings.EqualFold(key, "warn"):
			d.Warn, err = s.stringList()
		case strings.EqualFold(key, "confirm"):
			var isNull bool
			if isNull, err = s.null(); isNull {
				d.Confirm = ConfirmNone
			} else if err == nil {
				switch {
				case s.word(ConfirmNone):
					d.Confirm = ConfirmNone
				case s.word(ConfirmYes):
					d.Confirm = ConfirmYes
				case s.word(ConfirmTyped):
					d.Confirm = ConfirmTyped
				default:
					d.Confirm, err = s.stringValue("confirm")
				}
			}
		case strings.EqualFold(key, "mask"):
			d.Mask, err = s.mask(d.Mask)
		default:
			err = s.skip(3)
		}
		return err
	})
	return d, err
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
	err := s.elements(func() error {
		v, err := s.stringValue("a deny or warn entry")
		out = append(out, v)
		return err
	})
	return out, err
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
	err := s.members(func(key string) error {
		var v string
		var err error
		switch {
		case s.word(MaskSet):
			v = MaskSet
		case s.word(MaskPrefix4):
			v = MaskPrefix4
		default:
			v, err = s.stringValue("a mask level")
		}
		m[key] = v
		return err
	})
	return m, err
}

// skip reads any value, checking its syntax.
func (s *scanner) skip(depth int) error {
	if depth > maxScanDepth {
		return s.fail("nested too deeply")
	}
	switch c := s.peek(); {
	case c == '{':
		s.i++
		return s.members(func(string) error { return s.skip(depth + 1) })
	case c == '[':
		s.i++
		return s.elements(func() error { return s.skip(depth + 1) })
	case c == '"':
		_, err := s.str()
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

// str reads a string at '"'. Strings without escapes or non-ASCII bytes,
// nearly all of them, are one copy.
func (s *scanner) str() (string, error) {
	s.i++ // the opening quote
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return string(s.b[start : s.i-1]), nil
		case c == '\\' || c >= utf8.RuneSelf:
			return s.strSlow(start)
		case c < 0x20:
			return "", s.fail("control character in a string")
		}
		s.i++
	}
	return "", s.fail("unterminated string")
}

// strSlow decodes escapes and replaces invalid UTF-8 with U+FFFD, as
// encoding/json does.
func (s *scanner) strSlow(start int) (string, error) {
	out := make([]byte, 0, len(s.b)-start)
	out = append(out, s.b[start:s.i]...)
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return string(out), nil
		case c < 0x20:
			return "", s.fail("control character in a string")
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(s.b[s.i:])
			out = utf8.AppendRune(out, r)
			s.i += size
		case c != '\\':
			out = append(out, c)
			s.i++
		default:
			s.i++
			if s.i >= len(s.b) {
				return "", s.fail("unterminated string")
			}
			e := s.b[s.i]
			s.i++
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, ok := s.hex4()
				if !ok {
					return "", s.fail("invalid \\u escape")
				}
				if utf16.IsSurrogate(r) {
					r = s.lowSurrogate(r)
				}
				out = utf8.AppendRune(out, r)
			default:
				return "", s.fail("invalid escape")
			}
		}
	}
	return "", s.fail("unterminated string")
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
