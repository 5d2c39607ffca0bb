package opawasm

import (
	"errors"
	"strconv"
	"unicode/utf8"
)

// Document is an input document built token by token for EvalDocument.
// Eval must check arbitrary input bytes (json.Valid, then a UTF-8 scan that
// replaces invalid bytes); together they cost more than building a small
// document. A Document is valid JSON and valid UTF-8 by construction
// instead: its strings are escaped the way encoding/json escapes them
// (invalid UTF-8 becomes U+FFFD, so topdown and the module read the same
// text), and it tracks nesting, so a misuse (a value where a key belongs, an
// unbalanced end) makes the document unusable rather than malformed.
//
// The zero Document is empty and ready to use. It is not safe for
// concurrent use.
type Document struct {
	buf []byte
	// open holds the containers not yet closed, '{' or '['.
	open []byte
	// comma says the next key or element needs a separator; key says a key
	// was just written, so a value must follow.
	comma, key bool
	err        error
}

var errMisuse = errors.New("document built out of order")

// Reset empties the document, keeping its buffers.
func (d *Document) Reset() {
	d.buf, d.open = d.buf[:0], d.open[:0]
	d.comma, d.key, d.err = false, false, nil
}

// Bytes is the finished document. It fails when the document is empty, has
// open containers, or was built out of order.
func (d *Document) Bytes() ([]byte, error) {
	switch {
	case d.err != nil:
		return nil, d.err
	case len(d.buf) == 0 || len(d.open) > 0 || d.key:
		return nil, errors.New("document is incomplete")
	}
	return d.buf, nil
}

// beforeValue writes what must precede a value and reports whether a value
// may be written here.
func (d *Document) beforeValue() bool {
	if d.err != nil {
		return false
	}
	n := len(d.open)
	switch {
	case n == 0 && len(d.buf) > 0: // a second top-level value
		d.err = errMisuse
		return false
	case n > 0 && d.open[n-1] == '{':
		if !d.key {
			d.err = errMisuse
			return false
		}
		d.key = false
	case n > 0 && d.comma:
		d.buf = append(d.buf, ',')
	}
	d.comma = true
	return true
}

// BeginObject opens an object.
func (d *Document) BeginObject() {
	if d.beforeValue() {
		d.buf = append(d.buf, '{')
		d.open = append(d.open, '{')
		d.comma = false
	}
}

// BeginArray opens an array.
func (d *Document) BeginArray() {
	if d.beforeValue() {
		d.buf = append(d.buf, '[')
		d.open = append(d.open, '[')
		d.comma = false
	}
}

// EndObject closes the innermost container, which must be an object.
func (d *Document) EndObject() { d.end('{', '}') }

// EndArray closes the innermost container, which must be an array.
func (d *Document) EndArray() { d.end('[', ']') }

func (d *Document) end(open, close byte) {
	if d.err != nil {
		return
	}
	n := len(d.open)
	if n == 0 || d.open[n-1] != open || d.key {
		d.err = errMisuse
		return
	}
	d.open = d.open[:n-1]
	d.buf = append(d.buf, close)
	d.comma = true
}

// Key writes an object key; a value must follow.
func (d *Document) Key(k string) {
	if d.err != nil {
		return
	}
	n := len(d.open)
	if n == 0 || d.open[n-1] != '{' || d.key {
		d.err = errMisuse
		return
	}
	if d.comma {
		d.buf = append(d.buf, ',')
	}
	d.buf = appendQuoted(d.buf, k)
	d.buf = append(d.buf, ':')
	d.key = true
}

// String writes a string value.
func (d *Document) String(s string) {
	if d.beforeValue() {
		d.buf = appendQuoted(d.buf, s)
	}
}

// Int writes an integer value.
func (d *Document) Int(n int) {
	if d.beforeValue() {
		d.buf = strconv.AppendInt(d.buf, int64(n), 10)
	}
}

// Bool writes true or false.
func (d *Document) Bool(b bool) {
	if d.beforeValue() {
		d.buf = strconv.AppendBool(d.buf, b)
	}
}

const hexDigits = "0123456789abcdef"

// appendQuoted appends s as a JSON string, byte for byte what encoding/json
// writes (HTML-sensitive characters and U+2028/U+2029 escaped, invalid
// UTF-8 as U+FFFD), so documents are comparable with ones json.Marshal made.
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// Unescape returns the byte that the JSON escape sequence backslash-e
// stands for, for every escape but \u (which names a code point in four hex
// digits); ok is false for \u and for anything that is not an escape.
func Unescape(e byte) (b byte, ok bool) {
	switch e {
	case '"', '\\', '/':
		return e, true
	case 'b':
		return '\b', true
	case 'f':
		return '\f', true
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 't':
		return '\t', true
	}
	return 0, false
}
