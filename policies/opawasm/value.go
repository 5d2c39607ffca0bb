package opawasm

import (
	"cmp"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Host builtins see their arguments as Rego values, not JSON: a set must stay
// a set (sprintf prints {1, 2}, not [1, 2]) and a number keeps its literal
// text (sprintf prints 1.0 as written). These types carry exactly that. The
// wasm side renders arguments with opa_value_dump and reads results with
// opa_value_parse, both of which speak JSON extended with sets.

// value is one Rego value: nil (null), bool, number, string, []value (array),
// *object or set.
type value any

// number is a Rego number in its literal text form.
type number string

// object is a Rego object; keys may be any value.
type object struct {
	keys []value
	vals []value
}

// set is a Rego set.
type set []value

// maxValueDepth bounds nesting so hostile input cannot exhaust the stack.
const maxValueDepth = 1000

// parseValue reads the text opa_value_dump produces (JSON plus sets written
// as {a, b} and set() for the empty set).
func parseValue(s string) (value, error) {
	p := &valueParser{s: s}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, p.fail("trailing characters")
	}
	return v, nil
}

type valueParser struct {
	s string
	i int
}

func (p *valueParser) fail(what string) error {
	return fmt.Errorf("malformed value at offset %d: %s", p.i, what)
}

func (p *valueParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *valueParser) lit(word string) bool {
	if strings.HasPrefix(p.s[p.i:], word) {
		p.i += len(word)
		return true
	}
	return false
}

func (p *valueParser) value(depth int) (value, error) {
	if depth > maxValueDepth {
		return nil, p.fail("nested too deeply")
	}
	p.space()
	if p.i >= len(p.s) {
		return nil, p.fail("unexpected end")
	}
	switch c := p.s[p.i]; {
	case c == 'n' && p.lit("null"):
		return nil, nil
	case c == 't' && p.lit("true"):
		return true, nil
	case c == 'f' && p.lit("false"):
		return false, nil
	case c == 's' && p.lit("set()"):
		return set{}, nil
	case c == '"':
		return p.str()
	case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
		return p.num()
	case c == '[':
		p.i++
		arr := []value{}
		err := p.list(']', depth, func() error {
			v, err := p.value(depth + 1)
			arr = append(arr, v)
			return err
		})
		return arr, err
	case c == '{':
		return p.braces(depth)
	}
	return nil, p.fail(fmt.Sprintf("unexpected character %q", p.s[p.i]))
}

// list parses comma-separated items up to end, the opening bracket consumed.
func (p *valueParser) list(end byte, depth int, item func() error) error {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == end {
		p.i++
		return nil
	}
	for {
		if err := item(); err != nil {
			return err
		}
		p.space()
		if p.i >= len(p.s) {
			return p.fail("unexpected end")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case end:
			p.i++
			return nil
		default:
			return p.fail(fmt.Sprintf("expected ',' or %q", end))
		}
	}
}

// braces parses an object or a non-empty set: the first element decides.
func (p *valueParser) braces(depth int) (value, error) {
	p.i++
	obj := &object{}
	var elems set
	isSet := false
	first := true
	err := p.list('}', depth, func() error {
		k, err := p.value(depth + 1)
		if err != nil {
			return err
		}
		p.space()
		hasColon := p.i < len(p.s) && p.s[p.i] == ':'
		if first {
			isSet, first = !hasColon, false
		}
		if isSet {
			if hasColon {
				return p.fail("key-value pair in a set")
			}
			elems = append(elems, k)
			return nil
		}
		if !hasColon {
			return p.fail("expected ':' in object")
		}
		p.i++
		v, err := p.value(depth + 1)
		obj.keys = append(obj.keys, k)
		obj.vals = append(obj.vals, v)
		return err
	})
	if err != nil {
		return nil, err
	}
	if isSet {
		return elems, nil
	}
	return obj, nil
}

func (p *valueParser) str() (value, error) {
	start := p.i
	p.i++
	escaped := false
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == '\\':
			escaped = true
			p.i += 2
		case c == '"':
			p.i++
			raw := p.s[start:p.i]
			if !escaped && utf8.ValidString(raw) {
				return raw[1 : len(raw)-1], nil
			}
			s, err := unquoteJSON(raw)
			if err != nil {
				p.i = start
				return nil, p.fail(err.Error())
			}
			return s, nil
		case c < 0x20:
			return nil, p.fail("control character in string")
		default:
			p.i++
		}
	}
	p.i = start
	return nil, p.fail("unterminated string")
}

func (p *valueParser) num() (value, error) {
	start := p.i
	for p.i < len(p.s) && strings.IndexByte("+-0123456789.eE", p.s[p.i]) >= 0 {
		p.i++
	}
	text := p.s[start:p.i]
	// The module prints number literals as written in the policy, which
	// Rego allows to be ".5" or "1." as well as JSON's forms.
	if _, err := strconv.ParseFloat(text, 64); err != nil && !errors.Is(err, strconv.ErrRange) {
		p.i = start
		return nil, p.fail(fmt.Sprintf("invalid number %q", text))
	}
	return number(text), nil
}

// validJSONNumber reports whether s is a number in JSON's grammar.
func validJSONNumber(s string) bool {
	i := 0
	digits := func() bool {
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	if i < len(s) && s[i] == '0' {
		i++
	} else if !digits() {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	return i == len(s)
}

// unquoteJSON decodes a JSON string literal, quotes included.
func unquoteJSON(q string) (string, error) {
	var b strings.Builder
	s := q[1 : len(q)-1]
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			r, size := utf8.DecodeRuneInString(s[i:])
			b.WriteRune(r) // invalid UTF-8 becomes U+FFFD, as in encoding/json
			i += size
			continue
		}
		if i+1 >= len(s) {
			return "", errors.New("bad escape")
		}
		switch e := s[i+1]; e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := hex4(s, i+2)
			if !ok {
				return "", errors.New("bad \\u escape")
			}
			i += 6
			if utf16Surrogate(r) {
				if r2, ok := hex4(s, i+2); ok && i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
					if d := decodeSurrogates(r, r2); d != utf8.RuneError {
						b.WriteRune(d)
						i += 6
						continue
					}
				}
				r = utf8.RuneError
			}
			b.WriteRune(r)
			continue
		default:
			return "", fmt.Errorf("bad escape \\%c", e)
		}
		i += 2
	}
	return b.String(), nil
}

func hex4(s string, at int) (rune, bool) {
	if at+4 > len(s) {
		return 0, false
	}
	v, err := strconv.ParseUint(s[at:at+4], 16, 32)
	return rune(v), err == nil
}

func utf16Surrogate(r rune) bool { return r >= 0xd800 && r < 0xe000 }

func decodeSurrogates(r1, r2 rune) rune {
	if r1 >= 0xd800 && r1 < 0xdc00 && r2 >= 0xdc00 && r2 < 0xe000 {
		return (r1-0xd800)<<10 | (r2 - 0xdc00) + 0x10000
	}
	return utf8.RuneError
}

// appendValue renders v in the syntax opa_value_parse reads: JSON with sets.
func appendValue(b []byte, v value) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, x)
	case number:
		return append(b, x...)
	case string:
		return appendJSONString(b, x)
	case []value:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, e)
		}
		return append(b, ']')
	case *object:
		b = append(b, '{')
		for i := range x.keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, x.keys[i])
			b = append(b, ':')
			b = appendValue(b, x.vals[i])
		}
		return append(b, '}')
	case set:
		if len(x) == 0 {
			return append(b, "set()"...)
		}
		b = append(b, '{')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, e)
		}
		return append(b, '}')
	}
	panic(fmt.Sprintf("opawasm: appendValue of %T", v))
}

func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[r>>4], hexDigits[r&0xf])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}

// appendRegoText renders v the way OPA's ast package prints a value
// (Value.String): strings Go-quoted, ", " separators, object keys and set
// elements in Rego's sort order. sprintf formats non-scalar arguments so.
func appendRegoText(b []byte, v value) []byte {
	switch x := v.(type) {
	case string:
		return strconv.AppendQuote(b, x)
	case []value:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendRegoText(b, e)
		}
		return append(b, ']')
	case *object:
		if len(x.keys) == 0 {
			return append(b, "{}"...)
		}
		b = append(b, '{')
		for i, k := range sortedKeys(x) {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendRegoText(b, x.keys[k])
			b = append(b, ": "...)
			b = appendRegoText(b, x.vals[k])
		}
		return append(b, '}')
	case set:
		if len(x) == 0 {
			return append(b, "set()"...)
		}
		elems := slices.Clone(x)
		slices.SortFunc(elems, compareValues)
		b = append(b, '{')
		for i, e := range elems {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendRegoText(b, e)
		}
		return append(b, '}')
	}
	return appendValue(b, v)
}

// sortedKeys returns the indexes of obj's keys in Rego's sort order.
func sortedKeys(obj *object) []int {
	idx := make([]int, len(obj.keys))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return compareValues(obj.keys[a], obj.keys[b]) })
	return idx
}

// typeOrder is Rego's ordering between values of different types.
func typeOrder(v value) int {
	switch v.(type) {
	case nil:
		return 0
	case bool:
		return 1
	case number:
		return 2
	case string:
		return 3
	case []value:
		return 4
	case *object:
		return 5
	}
	return 6 // set
}

// compareValues orders values the way OPA's ast.Compare does.
func compareValues(a, b value) int {
	if c := cmp.Compare(typeOrder(a), typeOrder(b)); c != 0 {
		return c
	}
	switch x := a.(type) {
	case bool:
		y := b.(bool)
		if x == y {
			return 0
		}
		if !x {
			return -1
		}
		return 1
	case number:
		return compareNumbers(x, b.(number))
	case string:
		return strings.Compare(x, b.(string))
	case []value:
		return slices.CompareFunc(x, b.([]value), compareValues)
	case *object:
		y := b.(*object)
		xk, yk := sortedKeys(x), sortedKeys(y)
		for i := range min(len(xk), len(yk)) {
			if c := compareValues(x.keys[xk[i]], y.keys[yk[i]]); c != 0 {
				return c
			}
			if c := compareValues(x.vals[xk[i]], y.vals[yk[i]]); c != 0 {
				return c
			}
		}
		return cmp.Compare(len(xk), len(yk))
	case set:
		xs, ys := slices.Clone(x), slices.Clone(b.(set))
		slices.SortFunc(xs, compareValues)
		slices.SortFunc(ys, compareValues)
		return slices.CompareFunc(xs, ys, compareValues)
	}
	return 0 // null
}

func compareNumbers(a, b number) int {
	if a == b {
		return 0
	}
	x, y := new(big.Float).SetPrec(256), new(big.Float).SetPrec(256)
	if _, ok := x.SetString(string(a)); !ok {
		return strings.Compare(string(a), string(b))
	}
	if _, ok := y.SetString(string(b)); !ok {
		return strings.Compare(string(a), string(b))
	}
	return x.Cmp(y)
}

// appendJSON renders v as the JSON OPA's topdown gives for it: sets become
// arrays in Rego's sort order, object keys are sorted (a non-string key
// becomes its JSON text as a string), and numbers are valid JSON.
func appendJSON(b []byte, v value) []byte {
	switch x := v.(type) {
	case number:
		if validJSONNumber(string(x)) {
			return append(b, x...)
		}
		if f, _, err := big.ParseFloat(string(x), 10, 256, big.ToNearestEven); err == nil {
			return append(b, f.Text('g', -1)...)
		}
		return appendJSONString(b, string(x))
	case []value:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e)
		}
		return append(b, ']')
	case set:
		elems := slices.Clone(x)
		slices.SortFunc(elems, compareValues)
		return appendJSON(b, []value(elems))
	case *object:
		type pair struct {
			key string
			val value
		}
		pairs := make([]pair, len(x.keys))
		for i, k := range x.keys {
			ks, ok := k.(string)
			if !ok {
				ks = string(appendJSON(nil, k))
			}
			pairs[i] = pair{ks, x.vals[i]}
		}
		slices.SortFunc(pairs, func(a, b pair) int { return strings.Compare(a.key, b.key) })
		b = append(b, '{')
		for i, p := range pairs {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, p.key)
			b = append(b, ':')
			b = appendJSON(b, p.val)
		}
		return append(b, '}')
	}
	return appendValue(b, v)
}
