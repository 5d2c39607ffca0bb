package opawasm

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/tetratelabs/wazero/api"
)

// Kind is the type of a value in the module's memory.
type Kind byte

// The kinds of value, numbered as OPA's wasm runtime numbers them (value.h);
// its interned strings and booleans read as plain strings and booleans.
const (
	KindNull    Kind = 1
	KindBoolean Kind = 2
	KindNumber  Kind = 3
	KindString  Kind = 4
	KindArray   Kind = 5
	KindObject  Kind = 6
	KindSet     Kind = 7

	kindStringInterned  Kind = 8
	kindBooleanInterned Kind = 9
)

func (k Kind) String() string {
	switch k {
	case KindNull:
		return "null"
	case KindBoolean:
		return "boolean"
	case KindNumber:
		return "number"
	case KindString:
		return "string"
	case KindArray:
		return "array"
	case KindObject:
		return "object"
	case KindSet:
		return "set"
	}
	return fmt.Sprintf("kind %d", byte(k))
}

// View is a value of the module, read in place from its linear memory, for
// EvalView. Printing the result as JSON in the module and scanning that text
// again in Go cost about 5 µs of a 38 µs decision; reading the few
// structures a caller needs costs a few hundred nanoseconds.
//
// A View is valid only inside the callback it was handed to: the module's
// next evaluation reuses the memory. It trusts nothing it reads: an address
// or length outside the memory, or a chain longer than its container says,
// is an error, never a panic.
type View struct {
	mem  []byte
	addr uint32
}

// The layouts of OPA's wasm values (value.h, wasm32: pointers and size_t are
// 4 bytes). Strings: type, free flag, len at 4, bytes at 8. Arrays: type,
// elements at 4 (pairs of index and value pointers), len at 8. Objects and
// sets: type, buckets at 4 (an array of n chain heads), n at 8, len at 12;
// an object's chain element is key, value, next; a set's is value, next.
const (
	offLen     = 4
	offStrData = 8
	offElems   = 4
	offArrLen  = 8
	offBuckets = 4
	offNBucket = 8
	offCollLen = 12
)

var errBadAddress = errors.New("value address out of memory")

func (v View) u32(off uint32) (uint32, error) {
	a := uint64(v.addr) + uint64(off)
	if a+4 > uint64(len(v.mem)) {
		return 0, errBadAddress
	}
	return binary.LittleEndian.Uint32(v.mem[a:]), nil
}

func (v View) at(addr uint32) View { return View{mem: v.mem, addr: addr} }

// Kind is the value's type; an address outside the memory reads as kind 0,
// which no method accepts.
func (v View) Kind() Kind {
	if v.addr == 0 || uint64(v.addr) >= uint64(len(v.mem)) {
		return 0
	}
	switch k := Kind(v.mem[v.addr]); k {
	case kindStringInterned:
		return KindString
	case kindBooleanInterned:
		return KindBoolean
	default:
		return k
	}
}

func (v View) want(k Kind) error {
	if got := v.Kind(); got != k {
		return fmt.Errorf("got %s, want %s", got, k)
	}
	return nil
}

// Bytes is a string's bytes, in place: copy them before the callback
// returns.
func (v View) Bytes() ([]byte, error) {
	if err := v.want(KindString); err != nil {
		return nil, err
	}
	n, err := v.u32(offLen)
	if err != nil {
		return nil, err
	}
	p, err := v.u32(offStrData)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, nil
	}
	if uint64(p)+uint64(n) > uint64(len(v.mem)) {
		return nil, errBadAddress
	}
	return v.mem[p : p+n : p+n], nil
}

// Array calls f with each element of an array, in order.
func (v View) Array(f func(View) error) error {
	if err := v.want(KindArray); err != nil {
		return err
	}
	elems, err := v.u32(offElems)
	if err != nil {
		return err
	}
	n, err := v.u32(offArrLen)
	if err != nil {
		return err
	}
	if uint64(elems)+8*uint64(n) > uint64(len(v.mem)) {
		return errBadAddress
	}
	for i := range n {
		e, _ := v.at(elems + 8*i).u32(4)
		if err := f(v.at(e)); err != nil {
			return err
		}
	}
	return nil
}

// Len is the number of elements of an array, object or set.
func (v View) Len() (int, error) {
	switch v.Kind() {
	case KindArray:
		n, err := v.u32(offArrLen)
		return int(n), err
	case KindObject, KindSet:
		n, err := v.u32(offCollLen)
		return int(n), err
	}
	return 0, fmt.Errorf("got %s, want array, object or set", v.Kind())
}

// Object calls f with each key and value of an object, in the module's
// (hash) order.
func (v View) Object(f func(key, val View) error) error {
	if err := v.want(KindObject); err != nil {
		return err
	}
	return v.chains(3, func(e View) error {
		k, err := e.u32(0)
		if err != nil {
			return err
		}
		val, err := e.u32(4)
		if err != nil {
			return err
		}
		return f(v.at(k), v.at(val))
	})
}

// Set calls f with each element of a set, in the module's (hash) order.
func (v View) Set(f func(View) error) error {
	if err := v.want(KindSet); err != nil {
		return err
	}
	return v.chains(2, func(e View) error {
		val, err := e.u32(0)
		if err != nil {
			return err
		}
		return f(v.at(val))
	})
}

// chains walks an object's or set's bucket chains (elements of words
// 4-byte words, the last one the next pointer), visiting exactly as many
// elements as the container's length says, so a corrupt chain cannot loop.
func (v View) chains(words uint32, f func(View) error) error {
	buckets, err := v.u32(offBuckets)
	if err != nil {
		return err
	}
	n, err := v.u32(offNBucket)
	if err != nil {
		return err
	}
	length, err := v.u32(offCollLen)
	if err != nil {
		return err
	}
	if uint64(buckets)+4*uint64(n) > uint64(len(v.mem)) {
		return errBadAddress
	}
	seen := uint32(0)
	for b := range n {
		e, _ := v.at(buckets + 4*b).u32(0)
		for e != 0 {
			if seen == length {
				return errors.New("collection has more elements than its length")
			}
			seen++
			if err := f(v.at(e)); err != nil {
				return err
			}
			if e, err = v.at(e).u32(4 * (words - 1)); err != nil {
				return err
			}
		}
	}
	if seen != length {
		return errors.New("collection has fewer elements than its length")
	}
	return nil
}

// EvalView evaluates entrypoint against doc and hands read the result set
// in place: a set holding one {"result": X} object, empty when the
// entrypoint is undefined. Unlike EvalDocument the module prints nothing.
// read must not keep the View or anything it returns in place.
func (p *Policy) EvalView(ctx context.Context, entrypoint string, doc *Document, read func(View) error) error {
	id, ok := p.entrypoints[entrypoint]
	if !ok {
		return fmt.Errorf("eval: unknown entrypoint %q", entrypoint)
	}
	input, err := doc.Bytes()
	if err != nil {
		return fmt.Errorf("eval: input: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	inst, err := p.get(ctx)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	rs, err := inst.evalResult(ctx, id, input)
	if err == nil {
		mem, ok := inst.mem.Read(0, inst.mem.Size())
		if !ok {
			err = errors.New("memory cannot be read")
		} else if err = read(View{mem: mem, addr: rs}); err != nil {
			// The module did evaluate; only its result was unreadable, so
			// the instance stays healthy.
			p.put(ctx, inst)
			return fmt.Errorf("eval %s: result: %w", entrypoint, err)
		}
	}
	if err != nil {
		_ = inst.mod.Close(ctx)
		return fmt.Errorf("eval %s: %w", entrypoint, err)
	}
	p.put(ctx, inst)
	return nil
}

// evalResult runs one evaluation from a clean heap, as opa_eval does, and
// returns the address of the result set instead of printing it: the input
// is placed at the heap base (see inputValue), the heap starts right after
// it, and the evaluation goes through the ABI 1.0 context functions. (Writing the
// context struct in place instead of calling its three setters measured
// no faster: about 0.3 µs, within the noise.)
func (inst *instance) evalResult(ctx context.Context, entrypoint int32, input []byte) (uint32, error) {
	ctx = context.WithValue(ctx, instanceKey{}, inst)
	in, err := inst.inputValue(ctx, input)
	if err != nil {
		return 0, fmt.Errorf("input: %w", err)
	}
	evalCtx, err := inst.callTop(ctx, inst.ctxNew)
	if err != nil {
		return 0, err
	}
	for _, set := range [...]struct {
		fn  api.Function
		arg uint32
	}{{inst.ctxSetInput, in}, {inst.ctxSetData, inst.dataAddr}, {inst.ctxSetEntry, uint32(entrypoint)}} {
		if _, err := inst.callTop(ctx, set.fn, evalCtx, set.arg); err != nil {
			return 0, err
		}
	}
	if code, err := inst.callTop(ctx, inst.evalFn, evalCtx); err != nil {
		return 0, err
	} else if code != 0 {
		return 0, fmt.Errorf("module eval returned error code %d", code)
	}
	return inst.callTop(ctx, inst.ctxRes, evalCtx)
}

// inputValue places input at the heap base and returns its value: laid out
// by Go as an image when the module's layout was checked at Load, else
// parsed by the module. The heap starts right after it.
func (inst *instance) inputValue(ctx context.Context, input []byte) (uint32, error) {
	if inst.policy.image {
		root, err := inst.im.build(input, inst.heapBase)
		if err == nil {
			return root, inst.placeImage(ctx, &inst.im)
		}
	}
	end := uint64(inst.heapBase) + uint64(len(input))
	if size := uint64(inst.mem.Size()); end > size {
		pages := (end - size + 0xffff) / 0x10000
		if _, ok := inst.mem.Grow(uint32(pages)); !ok {
			return 0, fmt.Errorf("input of %d bytes exceeds the memory limit", len(input))
		}
	}
	if !inst.mem.Write(inst.heapBase, input) {
		return 0, errors.New("write input: out of memory")
	}
	if _, err := inst.callTop(ctx, inst.heapSet, uint32(end)); err != nil {
		return 0, err
	}
	in, err := inst.callTop(ctx, inst.jsonParse, inst.heapBase, uint32(len(input)))
	if err != nil {
		return 0, err
	}
	if in == 0 {
		return 0, errors.New("module could not parse JSON")
	}
	return in, nil
}

// callTop is call on the instance's own stack, for calls made from Go
// rather than from a host builtin (those use call, since the evaluation
// that invoked them still owns inst.stack).
func (inst *instance) callTop(ctx context.Context, fn api.Function, args ...uint32) (uint32, error) {
	stack := inst.stack[:max(len(args), 1)]
	for i, a := range args {
		stack[i] = uint64(a)
	}
	if err := fn.CallWithStack(ctx, stack); err != nil {
		return 0, unwrapAbort(err)
	}
	return uint32(stack[0]), nil
}
