package opawasm

import (
	"errors"
	"fmt"
)

// The OPA compiler emits modules that import their linear memory as
// env.memory. wazero resolves imports by module name in one namespace per
// runtime, so a single "env" module can exist at a time and every instance
// would share one memory. To give each pooled instance its own memory while
// all of them share one host module (the builtin dispatchers), Load rewrites
// the binary: the memory import becomes a memory the module defines itself,
// with the limits the import declared. Memory index 0 and every function index
// are unchanged, because only a memory import is removed.

const (
	secCustom    = 0
	secImport    = 2
	secMemory    = 5
	secDataCount = 12
	secTag       = 13

	importFunc   = 0x00
	importTable  = 0x01
	importMemory = 0x02
	importGlobal = 0x03
	importTag    = 0x04
)

var wasmHeader = []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}

// errNoMemoryImport is returned for modules that were not produced by the OPA
// wasm compiler (they define their own memory or none at all).
var errNoMemoryImport = errors.New("module does not import env.memory (not an OPA wasm policy)")

// sectionRank orders known sections the way the wasm spec requires them to
// appear; custom sections may appear anywhere and have no rank.
func sectionRank(id byte) (float64, bool) {
	switch {
	case id >= 1 && id <= 5:
		return float64(id), true
	case id == secTag:
		return 5.5, true
	case id >= 6 && id <= 9:
		return float64(id), true
	case id == secDataCount:
		return 9.5, true
	case id == 10 || id == 11:
		return float64(id), true
	}
	return 0, false
}

// reader is a bounds-checked cursor over untrusted module bytes: every read
// fails with an offset instead of panicking.
type reader struct {
	b   []byte
	off int
}

func (r *reader) fail(what string) error {
	return fmt.Errorf("malformed wasm at byte %d: %s", r.off, what)
}

func (r *reader) byte() (byte, error) {
	if r.off >= len(r.b) {
		return 0, r.fail("unexpected end")
	}
	c := r.b[r.off]
	r.off++
	return c, nil
}

func (r *reader) u32() (uint32, error) {
	var v uint32
	for shift := uint(0); shift < 35; shift += 7 {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		if shift == 28 && c > 0x0f {
			return 0, r.fail("integer too large")
		}
		v |= uint32(c&0x7f) << shift
		if c&0x80 == 0 {
			return v, nil
		}
	}
	return 0, r.fail("integer too long")
}

func (r *reader) bytes(n uint32) ([]byte, error) {
	if uint64(n) > uint64(len(r.b)-r.off) {
		return nil, r.fail("length past end")
	}
	s := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return s, nil
}

func (r *reader) name() (string, error) {
	n, err := r.u32()
	if err != nil {
		return "", err
	}
	b, err := r.bytes(n)
	return string(b), err
}

// limits reads a limits encoding, returning its raw bytes.
func (r *reader) limits() ([]byte, error) {
	start := r.off
	flag, err := r.byte()
	if err != nil {
		return nil, err
	}
	switch flag {
	case 0x00:
		_, err = r.u32()
	case 0x01:
		if _, err = r.u32(); err == nil {
			_, err = r.u32()
		}
	default:
		return nil, r.fail(fmt.Sprintf("unsupported limits flag 0x%02x", flag))
	}
	if err != nil {
		return nil, err
	}
	return r.b[start:r.off], nil
}

func appendU32(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}

func appendSection(out []byte, id byte, body []byte) []byte {
	out = append(out, id)
	out = appendU32(out, uint32(len(body)))
	return append(out, body...)
}

// defineImportedMemory returns a copy of module in which the env.memory
// import is replaced by a defined memory with the same limits.
func defineImportedMemory(module []byte) ([]byte, error) {
	if len(module) < len(wasmHeader) || string(module[:len(wasmHeader)]) != string(wasmHeader) {
		return nil, errors.New("not a wasm module (bad magic or version)")
	}
	r := &reader{b: module, off: len(wasmHeader)}
	out := make([]byte, 0, len(module)+16)
	out = append(out, wasmHeader...)
	var memLimits []byte
	inserted := false
	lastRank := 0.0
	for r.off < len(module) {
		id, err := r.byte()
		if err != nil {
			return nil, err
		}
		size, err := r.u32()
		if err != nil {
			return nil, err
		}
		body, err := r.bytes(size)
		if err != nil {
			return nil, err
		}
		if id == secCustom {
			out = appendSection(out, id, body)
			continue
		}
		rank, ok := sectionRank(id)
		if !ok {
			return nil, fmt.Errorf("malformed wasm: unknown section id %d", id)
		}
		if rank <= lastRank {
			return nil, fmt.Errorf("malformed wasm: section id %d out of order", id)
		}
		lastRank = rank
		if id == secMemory {
			return nil, errNoMemoryImport
		}
		if !inserted && memLimits != nil && rank > secMemory {
			out = appendSection(out, secMemory, append([]byte{1}, memLimits...))
			inserted = true
		}
		if id == secImport {
			var imports []byte
			imports, memLimits, err = dropMemoryImport(body)
			if err != nil {
				return nil, fmt.Errorf("import section: %w", err)
			}
			body = imports
		}
		out = appendSection(out, id, body)
	}
	if memLimits == nil {
		return nil, errNoMemoryImport
	}
	if !inserted {
		out = appendSection(out, secMemory, append([]byte{1}, memLimits...))
	}
	return out, nil
}

// dropMemoryImport re-encodes an import section without its env.memory entry
// and returns that entry's limits.
func dropMemoryImport(body []byte) (kept, limits []byte, err error) {
	r := &reader{b: body}
	n, err := r.u32()
	if err != nil {
		return nil, nil, err
	}
	var entries []byte
	keptCount := uint32(0)
	for i := uint32(0); i < n; i++ {
		start := r.off
		mod, err := r.name()
		if err != nil {
			return nil, nil, err
		}
		field, err := r.name()
		if err != nil {
			return nil, nil, err
		}
		kind, err := r.byte()
		if err != nil {
			return nil, nil, err
		}
		switch kind {
		case importFunc:
			_, err = r.u32()
		case importTable:
			if _, err = r.byte(); err == nil {
				_, err = r.limits()
			}
		case importMemory:
			var l []byte
			if l, err = r.limits(); err != nil {
				return nil, nil, err
			}
			if mod != "env" || field != "memory" || limits != nil {
				return nil, nil, fmt.Errorf("unexpected memory import %s.%s", mod, field)
			}
			limits = l
			continue
		case importGlobal:
			if _, err = r.bytes(2); err != nil {
				return nil, nil, err
			}
		case importTag:
			if _, err = r.byte(); err == nil {
				_, err = r.u32()
			}
		default:
			return nil, nil, r.fail(fmt.Sprintf("unknown import kind 0x%02x", kind))
		}
		if err != nil {
			return nil, nil, err
		}
		entries = append(entries, body[start:r.off]...)
		keptCount++
	}
	if r.off != len(body) {
		return nil, nil, r.fail("trailing bytes")
	}
	if limits == nil {
		return nil, nil, errNoMemoryImport
	}
	return append(appendU32(nil, keptCount), entries...), limits, nil
}
