package opawasm

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// An image is a Document laid out as the module's own values (value.h),
// built in Go and copied into the module's memory in one write, so the
// module does not parse the input: its JSON parser cost about 14 ns per
// byte, the largest piece of a small decision, where the Go side lays out
// the same document in less than half of that (BenchmarkImage).
//
// Every value sits in a block shaped like one of opa_malloc's (a 12-byte
// header: size, prev, next; sizes up to 64 rounded up to the allocator's
// classes), so that anything the module might do with an input value,
// freeing it included, behaves as it does with values it allocated itself.
// Strings do not own their bytes (free is 0), so those sit between the
// blocks. Objects are hashed as the module hashes them (FNV-1, 32-bit, over
// the key's bytes, modulo the bucket count) with its minimum of 8 buckets
// and its load factor.
//
// The layout is the module's internals, not its ABI, so Load checks it
// against the module (checkImage) and falls back to the module's parser
// when it does not match.
type image struct {
	buf  []byte
	base uint32
	// scratch, reused between documents: the members of the objects and
	// the elements of the arrays being built, and the first member of each
	// bucket chain of the object being finished.
	stack []member
	heads []int32
	str   []byte
	// keys holds the decoded keys of the objects being built.
	keys []byte
}

// member is an element of an array or a member of an object, whose key is
// keys[key:key+keyLen]; elem is its chain element and next the index (in
// the object's members) of the member after it in its bucket, -1 at the end.
type member struct {
	key, keyLen int
	val, elem   uint32
	next        int32
}

func (im *image) key(m member) []byte { return im.keys[m.key : m.key+m.keyLen] }

// The value type tags and the number representation used (value.h).
const (
	tagNull    = 1
	tagBoolean = 2
	tagNumber  = 3
	tagString  = 4
	tagArray   = 5
	tagObject  = 6
	reprInt    = 1
	reprRef    = 2 // what the module's parser makes: the number's JSON text
)

const (
	blockHeader   = 12
	minBuckets    = 8
	maxImageDepth = 64
)

var errNoImage = errors.New("document cannot be laid out as an image")

// classSize is the payload size opa_malloc gives a request of n bytes: its
// fixed-size free lists hold blocks of 4, 8, 16 and 64 bytes.
func classSize(n uint32) uint32 {
	for _, c := range [...]uint32{4, 8, 16, 64} {
		if n <= c {
			return c
		}
	}
	return n
}

// alloc appends a zeroed block for n bytes and returns its payload address.
func (im *image) alloc(n uint32) uint32 {
	size := classSize(n)
	at := len(im.buf)
	im.buf = append(im.buf, make([]byte, blockHeader+size)...)
	binary.LittleEndian.PutUint32(im.buf[at:], size)
	return im.base + uint32(at) + blockHeader
}

func (im *image) put32(addr, v uint32) {
	binary.LittleEndian.PutUint32(im.buf[addr-im.base:], v)
}

// build lays out doc (JSON as a Document writes it) at base and returns
// the root value's address. A document it cannot lay out exactly as the
// module's parser would (a number that is not a 64-bit integer, deeper
// nesting than maxImageDepth) is errNoImage; the caller then lets the module
// parse it.
func (im *image) build(doc []byte, base uint32) (uint32, error) {
	im.buf, im.base, im.stack, im.keys = im.buf[:0], base, im.stack[:0], im.keys[:0]
	// Bytes outside ASCII can only be valid inside strings, and the module's
	// parser refuses invalid UTF-8, so the whole document is checked once
	// rather than string by string; such a document is left to the parser.
	if !utf8.Valid(doc) {
		return 0, errNoImage
	}
	root, i, err := im.value(doc, 0, 0)
	if err != nil {
		return 0, err
	}
	if i != len(doc) {
		return 0, errNoImage
	}
	return root, nil
}

func (im *image) value(doc []byte, i, depth int) (uint32, int, error) {
	if i >= len(doc) || depth > maxImageDepth {
		return 0, 0, errNoImage
	}
	switch c := doc[i]; {
	case c == '{':
		return im.object(doc, i+1, depth)
	case c == '[':
		return im.array(doc, i+1, depth)
	case c == '"':
		s, next, err := im.decodeString(doc, i)
		if err != nil {
			return 0, 0, err
		}
		return im.string(s), next, nil
	case c == 't' || c == 'f' || c == 'n':
		for _, lit := range [...]string{"true", "false", "null"} {
			if len(doc)-i >= len(lit) && string(doc[i:i+len(lit)]) == lit {
				a := im.alloc(2)
				if lit == "null" {
					im.buf[a-im.base] = tagNull
				} else {
					im.buf[a-im.base] = tagBoolean
					if lit == "true" {
						im.buf[a-im.base+1] = 1
					}
				}
				return a, i + len(lit), nil
			}
		}
	case c == '-' || c >= '0' && c <= '9':
		return im.number(doc, i)
	}
	return 0, 0, errNoImage
}

func (im *image) string(s []byte) uint32 {
	a := im.alloc(12)
	data := im.base + uint32(len(im.buf))
	im.buf = append(im.buf, s...)
	im.buf[a-im.base] = tagString
	im.put32(a+4, uint32(len(s)))
	im.put32(a+8, data)
	return a
}

func (im *image) integer(n int64) uint32 {
	a := im.alloc(16)
	im.buf[a-im.base] = tagNumber
	im.buf[a-im.base+1] = reprInt
	binary.LittleEndian.PutUint64(im.buf[a-im.base+8:], uint64(n))
	return a
}

// number reads an integer as strconv.AppendInt writes it; anything else
// (a fraction, an exponent, more than 18 digits) is left to the module.
func (im *image) number(doc []byte, i int) (uint32, int, error) {
	neg := doc[i] == '-'
	if neg {
		i++
	}
	start := i
	var n int64
	for i < len(doc) && doc[i] >= '0' && doc[i] <= '9' {
		n = n*10 + int64(doc[i]-'0')
		i++
	}
	digits := i - start
	if digits == 0 || digits > 18 || (digits > 1 && doc[start] == '0') ||
		(i < len(doc) && (doc[i] == '.' || doc[i] == 'e' || doc[i] == 'E')) {
		return 0, 0, errNoImage
	}
	if neg {
		n = -n
	}
	return im.integer(n), i, nil
}

func (im *image) array(doc []byte, i, depth int) (uint32, int, error) {
	mark := len(im.stack)
	for first := true; ; first = false {
		if i < len(doc) && doc[i] == ']' {
			i++
			break
		}
		if !first {
			if i >= len(doc) || doc[i] != ',' {
				return 0, 0, errNoImage
			}
			i++
		}
		v, next, err := im.value(doc, i, depth+1)
		if err != nil {
			return 0, 0, err
		}
		im.stack = append(im.stack, member{val: v})
		i = next
	}
	elems := im.stack[mark:]
	n := uint32(len(elems))
	a := im.alloc(16)
	var block uint32
	if n > 0 {
		block = im.alloc(8 * n)
		for j, e := range elems {
			at := block + 8*uint32(j)
			im.put32(at, im.integer(int64(j)))
			im.put32(at+4, e.val)
		}
	}
	im.buf[a-im.base] = tagArray
	im.put32(a+4, block)
	im.put32(a+8, n)
	im.put32(a+12, n)
	im.stack = im.stack[:mark]
	return a, i, nil
}

func (im *image) object(doc []byte, i, depth int) (uint32, int, error) {
	mark := len(im.stack)
	for first := true; ; first = false {
		if i < len(doc) && doc[i] == '}' {
			i++
			break
		}
		if !first {
			if i >= len(doc) || doc[i] != ',' {
				return 0, 0, errNoImage
			}
			i++
		}
		if i >= len(doc) || doc[i] != '"' {
			return 0, 0, errNoImage
		}
		k, next, err := im.decodeString(doc, i)
		if err != nil {
			return 0, 0, err
		}
		// The decoded key outlives str's next use, so it is kept apart.
		m := member{key: len(im.keys), keyLen: len(k)}
		im.keys = append(im.keys, k...)
		if next >= len(doc) || doc[next] != ':' {
			return 0, 0, errNoImage
		}
		v, after, err := im.value(doc, next+1, depth+1)
		if err != nil {
			return 0, 0, err
		}
		// A repeated key keeps its first place and takes the last value,
		// as opa_object_insert does.
		m.val = v
		dup := false
		for j := mark; j < len(im.stack); j++ {
			if string(im.key(im.stack[j])) == string(im.key(m)) {
				im.stack[j].val, dup = v, true
				break
			}
		}
		if !dup {
			im.stack = append(im.stack, m)
		}
		i = after
	}
	members := im.stack[mark:]
	a := im.alloc(16)
	n := uint32(minBuckets)
	for float64(len(members))/float64(n) > 0.7 {
		n *= 2
	}
	buckets := im.alloc(4 * n)
	if uint32(cap(im.heads)) < n {
		im.heads = make([]int32, n)
	}
	im.heads = im.heads[:n]
	for b := range im.heads {
		im.heads[b] = -1
	}
	// Each bucket's chain is kept sorted by key, as the module keeps it
	// (__opa_object_insert_elem), so the layout does not depend on the
	// order of insertion; chains are a few members long.
	for j := range members {
		m := &members[j]
		m.elem = im.alloc(12)
		key := im.key(*m)
		im.put32(m.elem, im.string(key))
		im.put32(m.elem+4, m.val)
		b := fnv1(key) % n
		prev, next := int32(-1), im.heads[b]
		for next >= 0 && bytes.Compare(im.key(members[next]), key) < 0 {
			prev, next = next, members[next].next
		}
		m.next = next
		if prev < 0 {
			im.heads[b] = int32(j)
		} else {
			members[prev].next = int32(j)
		}
	}
	for b, h := range im.heads {
		if h >= 0 {
			im.put32(buckets+4*uint32(b), members[h].elem)
		}
		for j := h; j >= 0; j = members[j].next {
			if nx := members[j].next; nx >= 0 {
				im.put32(members[j].elem+8, members[nx].elem)
			}
		}
	}
	im.buf[a-im.base] = tagObject
	im.put32(a+4, buckets)
	im.put32(a+8, n)
	im.put32(a+12, uint32(len(members)))
	im.stack = im.stack[:mark]
	return a, i, nil
}

// fnv1 is the module's opa_string_hash.
func fnv1(b []byte) uint32 {
	h := uint32(0x811c9dc5)
	for _, c := range b {
		h *= 0x01000193
		h ^= uint32(c)
	}
	return h
}

// decodeString decodes the JSON string starting at doc[i]. A string
// without escapes (almost all of them) is returned in place; one with
// escapes is decoded into im.str. Either is valid until the next call.
func (im *image) decodeString(doc []byte, i int) ([]byte, int, error) {
	i++
	end := bytes.IndexByte(doc[i:], '"')
	if end < 0 {
		return nil, 0, errNoImage
	}
	if raw := doc[i : i+end]; bytes.IndexByte(raw, '\\') < 0 {
		return raw, i + end + 1, nil
	}
	out := im.str[:0]
	for i < len(doc) {
		c := doc[i]
		switch {
		case c == '"':
			im.str = out
			return out, i + 1, nil
		case c != '\\':
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(doc) {
			break
		}
		e := doc[i+1]
		if b, ok := Unescape(e); ok {
			out = append(out, b)
			i += 2
			continue
		}
		if e != 'u' {
			return nil, 0, errNoImage
		}
		r, ok := hexRune(doc, i+2)
		if !ok {
			return nil, 0, errNoImage
		}
		i += 4
		if utf16.IsSurrogate(r) {
			// Only a pair: the module's parser refuses a lone half,
			// so such a document is left to it.
			lo, ok := hexRune(doc, i+4)
			if i+3 >= len(doc) || doc[i+2] != '\\' || doc[i+3] != 'u' || !ok {
				return nil, 0, errNoImage
			}
			if r = utf16.DecodeRune(r, lo); r == utf8.RuneError {
				return nil, 0, errNoImage
			}
			i += 6
		}
		out = utf8.AppendRune(out, r)
		i += 2
	}
	return nil, 0, errNoImage
}

func hexRune(doc []byte, i int) (rune, bool) {
	if i+4 > len(doc) {
		return 0, false
	}
	var r rune
	for _, c := range doc[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// imageProbe has every kind of value an input document can hold, objects
// large enough to need more than the minimum of buckets, a repeated key and
// strings with escapes.
const imageProbe = `{"operation":"group.update","integration":{"type":"integration/secret-store/azure/vault"},` +
	`"changes":[{"key":"DB_USER","action":"add","source":"literal","length":25601},{"key":"\u003c\"é\\\n\u2028😀","action":"rotate"}],` +
	`"secrets":[],"context":{"dry_run":false,"show_prefix":true},"n":[-9223372036854775,0,null,[[]],{}],` +
	`"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"a":12}`

// checkImage reports whether images read in this module exactly as what
// its own parser makes of the same document: the same values, the same
// bucket counts, every key in the same bucket and the same place in its
// chain (see layout). Only blocks and number representations may differ.
func (inst *instance) checkImage(ctx context.Context) error {
	ctx = context.WithValue(ctx, instanceKey{}, inst)
	if _, err := inst.callTop(ctx, inst.heapSet, inst.heapBase); err != nil {
		return err
	}
	parsed, err := inst.parseJSON(ctx, []byte(imageProbe))
	if err != nil {
		return err
	}
	heap, err := inst.call1(ctx, inst.mod.ExportedFunction("opa_heap_ptr_get"))
	if err != nil {
		return err
	}
	var im image
	root, err := im.build([]byte(imageProbe), heap)
	if err != nil {
		return err
	}
	if err := inst.placeImage(ctx, &im); err != nil {
		return err
	}
	mem, ok := inst.mem.Read(0, inst.mem.Size())
	if !ok {
		return errBadAddress
	}
	want, err := layout(nil, View{mem: mem, addr: parsed}, 0)
	if err != nil {
		return fmt.Errorf("the parser's value: %w", err)
	}
	got, err := layout(nil, View{mem: mem, addr: root}, 0)
	if err != nil {
		return fmt.Errorf("image: %w", err)
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("image is laid out as %s, the parser's value as %s", got, want)
	}
	return nil
}

// layout renders v as it sits in memory: objects bucket by bucket, in
// chain order, with their bucket counts, and numbers by their text. It
// checks that every key sits in the bucket fnv1 gives it.
func layout(b []byte, v View, depth int) ([]byte, error) {
	if depth > maxImageDepth {
		return nil, errNoImage
	}
	switch v.Kind() {
	case KindNull:
		return append(b, "null"...), nil
	case KindBoolean:
		if uint64(v.addr)+1 >= uint64(len(v.mem)) {
			return nil, errBadAddress
		}
		return strconv.AppendBool(b, v.mem[v.addr+1] != 0), nil
	case KindNumber:
		return appendNumber(b, v)
	case KindString:
		s, err := v.Bytes()
		return strconv.AppendQuote(b, string(s)), err
	case KindArray:
		b = append(b, '[')
		err := v.Array(func(e View) (err error) {
			b, err = layout(b, e, depth+1)
			b = append(b, ',')
			return err
		})
		return append(b, ']'), err
	case KindObject:
		n, err := v.u32(offNBucket)
		if err != nil || n == 0 {
			return nil, errBadAddress
		}
		buckets, _ := v.u32(offBuckets)
		if uint64(buckets)+4*uint64(n) > uint64(len(v.mem)) {
			return nil, errBadAddress
		}
		b = fmt.Appendf(b, "{%d:", n)
		seen, length := uint32(0), uint32(0)
		if length, err = v.u32(offCollLen); err != nil {
			return nil, err
		}
		for i := range n {
			e, err := v.at(buckets + 4*i).u32(0)
			for ; err == nil && e != 0; e, err = v.at(e).u32(8) {
				if seen++; seen > length {
					return nil, errors.New("object has more members than its length")
				}
				k, _ := v.at(e).u32(0)
				key, kerr := v.at(k).Bytes()
				if kerr != nil || fnv1(key)%n != i {
					return nil, fmt.Errorf("key %q is not in the bucket fnv1 gives it", key)
				}
				val, _ := v.at(e).u32(4)
				b = fmt.Appendf(b, "%d%q=", i, key)
				if b, err = layout(b, v.at(val), depth+1); err != nil {
					return nil, err
				}
				b = append(b, ',')
			}
			if err != nil {
				return nil, err
			}
		}
		return append(b, '}'), nil
	}
	return nil, fmt.Errorf("cannot lay out a %s", v.Kind())
}

// appendNumber renders a number of either representation the module uses
// for integers: a 64-bit integer, or a reference to its JSON text.
func appendNumber(b []byte, v View) ([]byte, error) {
	if uint64(v.addr)+16 > uint64(len(v.mem)) {
		return nil, errBadAddress
	}
	switch v.mem[v.addr+1] {
	case reprInt:
		return strconv.AppendInt(b, int64(binary.LittleEndian.Uint64(v.mem[v.addr+8:])), 10), nil
	case reprRef:
		p, _ := v.u32(8)
		n, _ := v.u32(12)
		if uint64(p)+uint64(n) > uint64(len(v.mem)) {
			return nil, errBadAddress
		}
		return append(b, v.mem[p:p+n]...), nil
	}
	return nil, errors.New("number of an unknown representation")
}

// placeImage copies im into memory at its base, growing the memory if
// needed, and starts the heap right after it.
func (inst *instance) placeImage(ctx context.Context, im *image) error {
	end := uint64(im.base) + uint64(len(im.buf))
	if size := uint64(inst.mem.Size()); end > size {
		pages := (end - size + 0xffff) / 0x10000
		if _, ok := inst.mem.Grow(uint32(pages)); !ok {
			return fmt.Errorf("input of %d bytes exceeds the memory limit", len(im.buf))
		}
	}
	if !inst.mem.Write(im.base, im.buf) {
		return errors.New("write input: out of memory")
	}
	_, err := inst.callTop(ctx, inst.heapSet, uint32(end))
	return err
}
