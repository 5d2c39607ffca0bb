package tfyapi

import (
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"slices"
	"unicode"
	"unicode/utf8"
)

// decodeGroupPage decodes a GET /secret-groups page into exactly what
// decodePage[wireGroup] produces, errors included (FuzzGroupPageMatches
// holds the two to each other), but several times faster: the list is what
// every `group list` waits for, and encoding/json's two reflective passes
// over a page cost more than the rest of the plugin's work on it
// (BenchmarkDecodeGroupPage).
//
// It is a hand-written JSON walker for this one shape. Leaves go through
// the same UnmarshalJSON methods encoding/json would call (flexString,
// flexInt, wireTime), so their tolerance is shared rather than copied; what
// it reproduces itself is encoding/json's structure rules: syntax (checked
// over the whole body before anything else counts, as Decoder does), field
// names matched case-insensitively, null leaving a struct alone and
// clearing a pointer or slice, a repeated key decoding into what is
// already there, a wrong kind for a struct, slice or pointer remembered
// while the rest is decoded, and the first UnmarshalJSON error ending it.
func decodeGroupPage(r io.Reader, what string) (page[wireGroup], error) {
	body, err := io.ReadAll(r)
	if err != nil {
		return page[wireGroup]{}, decodeErr(what, err)
	}
	d := groupPageDecoder{data: body}
	var env pageEnvelope[wireGroup]
	d.ws()
	if d.pos == len(d.data) {
		return page[wireGroup]{}, decodeErr(what, io.EOF)
	}
	d.envelope(&env)
	if d.syntax == nil {
		d.ws()
		if d.pos != len(d.data) {
			// Decoder would have decoded the value and then refused what
			// follows; an error inside the value comes first.
			if d.semantic != nil {
				return page[wireGroup]{}, decodeErr(what, d.semantic)
			}
			return page[wireGroup]{}, decodeErr(what, errors.New("trailing data after the JSON value"))
		}
	}
	switch {
	case d.syntax != nil:
		return page[wireGroup]{}, decodeErr(what, d.syntax)
	case d.semantic != nil:
		return page[wireGroup]{}, decodeErr(what, d.semantic)
	case env.Data == nil:
		return page[wireGroup]{}, decodeErr(what, errMissingDataArray)
	}
	p := page[wireGroup]{items: *env.Data, total: -1}
	if env.Pagination != nil && env.Pagination.Total.valid {
		p.total = env.Pagination.Total.n
	}
	return p, nil
}

var errMissingDataArray = errors.New(`missing "data" array`)

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

// groupPageDecoder walks one body. After the first syntax error it only
// unwinds; after the first semantic error it still checks the syntax of
// the rest, because a syntax error anywhere is what Decoder reports.
type groupPageDecoder struct {
	data     []byte
	pos      int
	depth    int
	syntax   error // io.ErrUnexpectedEOF or a *json.SyntaxError
	semantic error // the first type or UnmarshalJSON error
	keyBuf   []byte
}

func (d *groupPageDecoder) failed() bool { return d.syntax != nil }

func (d *groupPageDecoder) syntaxErr() {
	if d.syntax != nil {
		return
	}
	if d.pos >= len(d.data) {
		d.syntax = io.ErrUnexpectedEOF
		return
	}
	d.syntax = &json.SyntaxError{Offset: int64(d.pos) + 1}
}

func (d *groupPageDecoder) semanticErr(err error) {
	if d.semantic == nil {
		d.semantic = err
	}
}

// wrongKind remembers a value of the wrong kind for a struct, slice or
// pointer field, as encoding/json does before decoding on.
func (d *groupPageDecoder) wrongKind(raw []byte, want reflect.Type, field string) {
	d.semanticErr(&json.UnmarshalTypeError{Value: jsonKind(raw), Type: want, Field: field})
}

// leaf hands a value's bytes to the UnmarshalJSON encoding/json would call.
func (d *groupPageDecoder) leaf(u json.Unmarshaler, field string) {
	raw := d.value()
	if d.failed() || d.semantic != nil {
		return
	}
	if err := u.UnmarshalJSON(raw); err != nil {
		if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok && te.Field == "" {
			te.Field = field
		}
		d.semanticErr(err)
	}
}

func (d *groupPageDecoder) ws() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (d *groupPageDecoder) peek() byte {
	d.ws()
	if d.pos >= len(d.data) {
		return 0
	}
	return d.data[d.pos]
}

// value skips one value of any kind, checking its syntax, and returns its
// bytes.
func (d *groupPageDecoder) value() []byte {
	c := d.peek()
	start := d.pos
	switch {
	case c == '{':
		for ok := d.open('}'); ok; ok = d.more('}') {
			if d.key(); d.failed() {
				break
			}
			if d.value(); d.failed() {
				break
			}
		}
	case c == '[':
		for ok := d.open(']'); ok; ok = d.more(']') {
			if d.value(); d.failed() {
				break
			}
		}
	case c == '"':
		d.str()
	case c == '-' || ('0' <= c && c <= '9'):
		d.number()
	case c == 't':
		d.literal("true")
	case c == 'f':
		d.literal("false")
	case c == 'n':
		d.literal("null")
	default:
		d.syntaxErr()
	}
	if d.failed() {
		return nil
	}
	return d.data[start:d.pos]
}

func (d *groupPageDecoder) literal(word string) {
	for i := 0; i < len(word); i++ {
		if d.pos >= len(d.data) || d.data[d.pos] != word[i] {
			d.syntaxErr()
			return
		}
		d.pos++
	}
}

// number checks JSON's number grammar.
func (d *groupPageDecoder) number() {
	digits := func() int {
		n := 0
		for d.pos < len(d.data) && '0' <= d.data[d.pos] && d.data[d.pos] <= '9' {
			d.pos++
			n++
		}
		return n
	}
	if d.data[d.pos] == '-' {
		d.pos++
	}
	switch {
	case d.pos < len(d.data) && d.data[d.pos] == '0':
		d.pos++
	case digits() == 0:
		d.syntaxErr()
		return
	}
	if d.pos < len(d.data) && d.data[d.pos] == '.' {
		d.pos++
		if digits() == 0 {
			d.syntaxErr()
			return
		}
	}
	if d.pos < len(d.data) && (d.data[d.pos] == 'e' || d.data[d.pos] == 'E') {
		d.pos++
		if d.pos < len(d.data) && (d.data[d.pos] == '+' || d.data[d.pos] == '-') {
			d.pos++
		}
		if digits() == 0 {
			d.syntaxErr()
			return
		}
	}
}

// str checks a string token (the opening quote is next) and returns its
// bytes, quotes included, and whether it holds an escape or a non-ASCII
// byte (which need encoding/json's own unquoting).
func (d *groupPageDecoder) str() (tok []byte, plain bool) {
	start := d.pos
	d.pos++
	plain = true
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			return d.data[start:d.pos], plain
		case c == '\\':
			plain = false
			d.pos++
			if d.pos >= len(d.data) {
				d.syntaxErr()
				return nil, false
			}
			switch d.data[d.pos] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				d.pos++
			case 'u':
				d.pos++
				for range 4 {
					if d.pos >= len(d.data) || !isHex(d.data[d.pos]) {
						d.syntaxErr()
						return nil, false
					}
					d.pos++
				}
			default:
				d.syntaxErr()
				return nil, false
			}
		case c < 0x20:
			d.syntaxErr()
			return nil, false
		default:
			if c >= utf8.RuneSelf {
				plain = false
			}
			d.pos++
		}
	}
	d.syntaxErr()
	return nil, false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// open consumes the '{' or '[' that is next and reports whether a member
// or element follows (false: the container was empty, or the nesting is
// too deep). Nesting is counted the way encoding/json's scanner does.
func (d *groupPageDecoder) open(closing byte) bool {
	d.depth++
	if d.depth > maxDepth {
		d.syntaxErr()
		return false
	}
	d.pos++
	if d.peek() == closing {
		d.pos++
		d.depth--
		return false
	}
	return true
}

// more consumes what follows a member or element: ',' (true: another
// follows) or the closing byte (false).
func (d *groupPageDecoder) more(closing byte) bool {
	switch d.peek() {
	case ',':
		d.pos++
		return true
	case closing:
		d.pos++
		d.depth--
		return false
	}
	d.syntaxErr()
	return false
}

// key reads a member's key and its ':' and returns the key's folded form,
// valid until the next key.
func (d *groupPageDecoder) key() []byte {
	if d.peek() != '"' {
		d.syntaxErr()
		return nil
	}
	tok, plain := d.str()
	if d.failed() {
		return nil
	}
	if d.peek() != ':' {
		d.syntaxErr()
		return nil
	}
	d.pos++
	d.keyBuf = foldKey(d.keyBuf[:0], tok, plain)
	return d.keyBuf
}

// foldKey is encoding/json's folded field name for a key token: ASCII
// letters upper-cased, other runes reduced to the smallest of their case
// fold set (so "ſ" matches "s"), after unquoting escapes and replacing
// invalid UTF-8 as encoding/json does.
func foldKey(out, tok []byte, plain bool) []byte {
	in := tok[1 : len(tok)-1]
	if !plain {
		var s string
		if json.Unmarshal(tok, &s) != nil {
			return out
		}
		in = []byte(s)
	}
	for i := 0; i < len(in); {
		if c := in[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			out = append(out, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(in[i:])
		for {
			r2 := unicode.SimpleFold(r)
			if r2 <= r {
				r = r2
				break
			}
			r = r2
		}
		out = utf8.AppendRune(out, r)
		i += n
	}
	return out
}

// null consumes a null and reports true, or reports false for any other
// value without consuming it.
func (d *groupPageDecoder) null() bool {
	if d.peek() != 'n' {
		return false
	}
	d.literal("null")
	return true
}

// decodeSlice decodes an array into s the way encoding/json fills a slice:
// elements are decoded into what the slice already holds (up to its
// capacity), the length ends at the element count, and an empty array
// leaves an empty, non-nil slice. null clears it; another kind is a type
// error.
func decodeSlice[T any](d *groupPageDecoder, s []T, field string, elem func(*T)) []T {
	switch d.peek() {
	case 'n':
		d.literal("null")
		return nil
	case '[':
	default:
		d.wrongKind(d.value(), reflect.TypeFor[[]T](), field)
		return s
	}
	n := 0
	for ok := d.open(']'); ok; ok = d.more(']') {
		if n >= cap(s) {
			s = slices.Grow(s, 1)
		}
		if n >= len(s) {
			s = s[:n+1]
		}
		elem(&s[n])
		n++
		if d.failed() {
			return s
		}
	}
	if n == 0 {
		return []T{}
	}
	return s[:n]
}

// object opens the object decoded into a struct and reports whether a
// member follows. null leaves the struct as it is and another kind is a
// type error; both report false, as does an empty object.
func (d *groupPageDecoder) object(want reflect.Type, field string) bool {
	switch d.peek() {
	case 'n':
		d.literal("null")
		return false
	case '{':
		return d.open('}')
	}
	d.wrongKind(d.value(), want, field)
	return false
}

// pointer prepares a pointer field for a member: null clears it (false),
// an object allocates it if needed and opens it (true when a member
// follows), another kind is a type error (false).
func pointer[T any](d *groupPageDecoder, p **T, field string) bool {
	if d.null() {
		*p = nil
		return false
	}
	if d.peek() != '{' {
		d.wrongKind(d.value(), reflect.TypeFor[T](), field)
		return false
	}
	if *p == nil {
		*p = new(T)
	}
	return d.open('}')
}

// The struct decoders below walk their object's members: a known key's
// value goes where encoding/json would put it, any other value is skipped.

func (d *groupPageDecoder) envelope(env *pageEnvelope[wireGroup]) {
	for ok := d.object(reflect.TypeFor[pageEnvelope[wireGroup]](), ""); ok && !d.failed(); ok = d.more('}') {
		switch k := d.key(); {
		case d.failed():
		case string(k) == "DATA":
			switch d.peek() {
			case 'n':
				d.literal("null")
				env.Data = nil
			case '[':
				if env.Data == nil {
					env.Data = new([]wireGroup)
				}
				*env.Data = decodeSlice(d, *env.Data, "data", d.group)
			default:
				d.wrongKind(d.value(), reflect.TypeFor[[]wireGroup](), "data")
			}
		case string(k) == "PAGINATION":
			d.pagination(&env.Pagination)
		default:
			d.value()
		}
	}
}

func (d *groupPageDecoder) pagination(pp **wirePagination) {
	for ok := pointer(d, pp, "pagination"); ok && !d.failed(); ok = d.more('}') {
		p := *pp
		switch k := d.key(); {
		case d.failed():
		case string(k) == "TOTAL":
			d.leaf(&p.Total, "pagination.total")
		case string(k) == "OFFSET":
			d.leaf(&p.Offset, "pagination.offset")
		case string(k) == "LIMIT":
			d.leaf(&p.Limit, "pagination.limit")
		default:
			d.value()
		}
	}
}

func (d *groupPageDecoder) group(g *wireGroup) {
	for ok := d.object(reflect.TypeFor[wireGroup](), "data"); ok && !d.failed(); ok = d.more('}') {
		switch k := d.key(); {
		case d.failed():
		case string(k) == "ID":
			d.leaf(&g.ID, "data.id")
		case string(k) == "NAME":
			d.leaf(&g.Name, "data.name")
		case string(k) == "FQN":
			d.leaf(&g.FQN, "data.fqn")
		case string(k) == "TENANTNAME":
			d.leaf(&g.TenantName, "data.tenantName")
		case string(k) == "INTEGRATIONID":
			d.leaf(&g.IntegrationID, "data.integrationId")
		case string(k) == "ACCOUNTID":
			d.leaf(&g.AccountID, "data.accountId")
		case string(k) == "CREATEDAT":
			d.leaf(&g.CreatedAt, "data.createdAt")
		case string(k) == "UPDATEDAT":
			d.leaf(&g.UpdatedAt, "data.updatedAt")
		case string(k) == "MANIFEST":
			d.manifest(&g.Manifest)
		case string(k) == "ASSOCIATEDSECRETS":
			g.AssociatedSecrets = decodeSlice(d, g.AssociatedSecrets, "data.associatedSecrets", d.secret)
		default:
			d.value()
		}
	}
}

func (d *groupPageDecoder) manifest(pm **wireManifest) {
	for ok := pointer(d, pm, "data.manifest"); ok && !d.failed(); ok = d.more('}') {
		m := *pm
		switch k := d.key(); {
		case d.failed():
		case string(k) == "NAME":
			d.leaf(&m.Name, "data.manifest.name")
		case string(k) == "TYPE":
			d.leaf(&m.Type, "data.manifest.type")
		default:
			d.value()
		}
	}
}

func (d *groupPageDecoder) secret(s *wireSecret) {
	for ok := d.object(reflect.TypeFor[wireSecret](), "data.associatedSecrets"); ok && !d.failed(); ok = d.more('}') {
		switch k := d.key(); {
		case d.failed():
		case string(k) == "ID":
			d.leaf(&s.ID, "data.associatedSecrets.id")
		case string(k) == "FQN":
			d.leaf(&s.FQN, "data.associatedSecrets.fqn")
		case string(k) == "NAME":
			d.leaf(&s.Name, "data.associatedSecrets.name")
		case string(k) == "KEY":
			d.leaf(&s.Key, "data.associatedSecrets.key")
		case string(k) == "SECRETGROUPID":
			d.leaf(&s.SecretGroupID, "data.associatedSecrets.secretGroupId")
		case string(k) == "CREATEDAT":
			d.leaf(&s.CreatedAt, "data.associatedSecrets.createdAt")
		case string(k) == "UPDATEDAT":
			d.leaf(&s.UpdatedAt, "data.associatedSecrets.updatedAt")
		case string(k) == "ACTIVEDEPLOYMENTSCOUNT":
			d.leaf(&s.ActiveDeploymentsCount, "data.associatedSecrets.activeDeploymentsCount")
		case string(k) == "VALUE":
			d.secretValue(s)
		case string(k) == "SECRETVERSIONS":
			s.SecretVersions = decodeSlice(d, s.SecretVersions, "data.associatedSecrets.secretVersions", d.version)
		default:
			d.value()
		}
	}
}

// secretValue decodes "value" as encoding/json decodes into a *string. A
// list never shows values (group() drops them), but the kind still counts.
func (d *groupPageDecoder) secretValue(s *wireSecret) {
	if d.null() {
		s.Value = nil
		return
	}
	if d.peek() != '"' {
		d.wrongKind(d.value(), stringType, "data.associatedSecrets.value")
		return
	}
	raw := d.value()
	if d.failed() || d.semantic != nil {
		return
	}
	// Not unquote: into a *string encoding/json also replaces invalid
	// UTF-8 in a string without escapes.
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		d.semanticErr(err)
		return
	}
	if s.Value == nil {
		s.Value = new(string)
	}
	*s.Value = v
}

func (d *groupPageDecoder) version(v *wireVersion) {
	for ok := d.object(reflect.TypeFor[wireVersion](), "data.associatedSecrets.secretVersions"); ok && !d.failed(); ok = d.more('}') {
		switch k := d.key(); {
		case d.failed():
		case string(k) == "ID":
			d.leaf(&v.ID, "data.associatedSecrets.secretVersions.id")
		case string(k) == "FQN":
			d.leaf(&v.FQN, "data.associatedSecrets.secretVersions.fqn")
		case string(k) == "VERSION":
			d.leaf(&v.Version, "data.associatedSecrets.secretVersions.version")
		case string(k) == "CREATEDAT":
			d.leaf(&v.CreatedAt, "data.associatedSecrets.secretVersions.createdAt")
		default:
			d.value()
		}
	}
}
