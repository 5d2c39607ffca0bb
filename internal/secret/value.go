// Package secret holds the one type that carries a secret value through the
// program. Every way of printing or marshalling a Value renders "(set)", so a
// careless %v, log line, error message or JSON/YAML document cannot leak it.
// The bytes are reachable only through Reveal, which callers use at the two
// places a value legitimately goes: the HTTP request body sent to TrueFoundry
// and the RPC message sent from the host to the plugin.
package secret

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"unicode/utf8"
)

// Redacted is what every rendering of a Value shows.
const Redacted = "(set)"

// Value is a secret value. The zero Value is empty and not set.
type Value struct {
	b   []byte
	set bool
}

// New returns a Value holding a copy of b.
func New(b []byte) Value {
	c := make([]byte, len(b))
	copy(c, b)
	return Value{b: c, set: true}
}

// FromString returns a Value holding s.
func FromString(s string) Value { return Value{b: []byte(s), set: true} }

// IsSet reports whether the Value was given one, even an empty one.
func (v Value) IsSet() bool { return v.set }

// Len is the length in bytes; policies see lengths, never values.
func (v Value) Len() int { return len(v.b) }

// Reveal returns the value itself. Call it only where the value leaves for
// its destination (an API request body or the host-to-plugin RPC).
func (v Value) Reveal() string { return string(v.b) }

// Equal reports whether two values hold the same bytes.
func (v Value) Equal(o Value) bool { return v.set == o.set && string(v.b) == string(o.b) }

// Digest is a keyed hash of a Value. Two values are compared by their
// digests under one key, so that what is kept for the comparison (a plan, a
// verification) can never be turned back into a value; the key lives only
// in the process that made it.
type Digest [sha256.Size]byte

// Digest returns the HMAC-SHA-256 of the value under key.
func (v Value) Digest(key []byte) Digest {
	m := hmac.New(sha256.New, key)
	m.Write(v.b)
	var d Digest
	m.Sum(d[:0])
	return d
}

// Equal reports whether two digests are the same, in constant time.
func (d Digest) Equal(o Digest) bool { return hmac.Equal(d[:], o[:]) }

// ValidUTF8 reports whether the value is UTF-8 text. Values travel to
// TrueFoundry as JSON strings, where any other byte sequence would be
// replaced, so only text can be stored as it is. When it is not,
// firstInvalid is the offset of the first byte that is not.
func (v Value) ValidUTF8() (ok bool, firstInvalid int) {
	for i := 0; i < len(v.b); {
		r, n := utf8.DecodeRune(v.b[i:])
		if r == utf8.RuneError && n <= 1 {
			return false, i
		}
		i += n
	}
	return true, 0
}

// Base64 returns a new Value holding the standard base64 encoding of v (no
// line breaks), for binary data stored as text.
func (v Value) Base64() Value {
	b := make([]byte, base64.StdEncoding.EncodedLen(len(v.b)))
	base64.StdEncoding.Encode(b, v.b)
	return Value{b: b, set: v.set}
}

// Wipe overwrites the value's bytes, for a value read only to be compared:
// the copy in memory is gone as soon as the comparison is made. Other
// copies of the Value share the bytes and are wiped too.
func (v Value) Wipe() { clear(v.b) }

// String implements fmt.Stringer.
func (v Value) String() string { return Redacted }

// GoString implements fmt.GoStringer, for %#v.
func (v Value) GoString() string { return Redacted }

// Format implements fmt.Formatter so that every verb, %x and %q included,
// renders the placeholder.
func (v Value) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(Redacted)) }

// MarshalJSON implements json.Marshaler.
func (v Value) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText implements encoding.TextMarshaler (used by YAML encoders and
// by encoding/json for map keys).
func (v Value) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// MarshalYAML implements the yaml.Marshaler interface of go.yaml.in/yaml/v3.
func (v Value) MarshalYAML() (any, error) { return Redacted, nil }

// LogValue implements slog.LogValuer.
func (v Value) LogValue() slog.Value { return slog.StringValue(Redacted) }
