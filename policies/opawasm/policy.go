package opawasm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// ErrUndefined is returned (wrapped) by Eval when the entrypoint has no value
// for the input; the returned JSON is then nil.
var ErrUndefined = errors.New("decision is undefined")

// UnsupportedBuiltinsError is returned by Load for a module that calls
// builtins neither OPA's wasm runtime nor this package implements.
type UnsupportedBuiltinsError struct {
	Names []string // sorted
}

func (e *UnsupportedBuiltinsError) Error() string {
	return "unsupported builtin(s) in policy: " + strings.Join(e.Names, ", ")
}

// Policy is a loaded module with its data. Eval is safe for concurrent use:
// each evaluation borrows an instance from a small pool, and only a healthy
// instance goes back.
type Policy struct {
	rt          *Runtime
	compiled    wazero.CompiledModule
	data        []byte
	entrypoints map[string]int32
	builtins    map[int32]hostBuiltin
	// classic forces the ABI 1.0 context API even when opa_eval exists,
	// so tests can check both paths agree.
	classic bool
	// image says EvalView lays its input out in Go (see image) rather than
	// having the module parse it; imageErr is why not, when it does not.
	image    bool
	imageErr error

	mu     sync.Mutex
	closed bool
	idle   []*instance
	// maxIdle bounds the pool: more concurrent callers than this still
	// get instances, but the extra ones are closed after use.
	maxIdle int
}

// Load compiles module (a policy.wasm from OPA's compiler) and loads data, a
// JSON document (nil means {}), into a first instance. Any builtin the module
// needs that cannot be provided fails here, naming it.
func (r *Runtime) Load(ctx context.Context, module []byte, data []byte) (*Policy, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		data = []byte("{}")
	}
	if !json.Valid(data) {
		return nil, errors.New("load: data is not valid JSON")
	}
	compiled, err := r.compile(ctx, module)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	p := &Policy{
		rt:       r,
		compiled: compiled,
		data:     slices.Clone(replaceInvalidUTF8(data)),
		maxIdle:  runtime.GOMAXPROCS(0),
	}
	inst, err := p.newInstance(ctx, true)
	if err != nil {
		_ = compiled.Close(ctx)
		return nil, fmt.Errorf("load: %w", err)
	}
	p.imageErr = inst.checkImage(ctx)
	p.image = p.imageErr == nil
	p.idle = append(p.idle, inst)
	return p, nil
}

// replaceInvalidUTF8 replaces every byte of b that is not part of valid
// UTF-8 with U+FFFD. In valid JSON such bytes can only sit inside strings;
// Go's JSON decoder (and so OPA's topdown) reads each as U+FFFD, while the
// wasm module would abort the evaluation.
func replaceInvalidUTF8(b []byte) []byte {
	if utf8.Valid(b) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
			b = b[1:]
			continue
		}
		out = append(out, b[:size]...)
		b = b[size:]
	}
	return out
}

// compile turns the module into machine code, through the disk cache when
// there is one. A cache entry wazero cannot read is discarded and the module
// compiled afresh: the cache is an accelerator, never a reason to fail.
func (r *Runtime) compile(ctx context.Context, module []byte) (wazero.CompiledModule, error) {
	rewritten, err := defineImportedMemory(module)
	if err != nil {
		return nil, err
	}
	r.compileMu.Lock()
	defer r.compileMu.Unlock()
	compiled, err := r.rt.CompileModule(ctx, rewritten)
	if err != nil && r.buildDir != "" && strings.Contains(err.Error(), "compilationcache") {
		purgeEntries(r.buildDir)
		compiled, err = r.rt.CompileModule(ctx, rewritten)
	}
	if err != nil {
		return nil, fmt.Errorf("compile: %w", err)
	}
	if r.buildDir != "" {
		sealCache(r.buildDir)
	}
	if err := checkImports(compiled); err != nil {
		_ = compiled.Close(ctx)
		return nil, err
	}
	return compiled, nil
}

// checkImports refuses modules importing anything but the OPA host ABI, so
// the failure names the import instead of being a wazero link error.
func checkImports(compiled wazero.CompiledModule) error {
	for _, f := range compiled.ImportedFunctions() {
		mod, name, _ := f.Import()
		known := name == "opa_abort" || name == "opa_println" ||
			(strings.HasPrefix(name, "opa_builtin") && len(name) == len("opa_builtin0") && name[len(name)-1] >= '0' && name[len(name)-1] <= '4')
		if mod != "env" || !known {
			return fmt.Errorf("module imports unknown function %s.%s", mod, name)
		}
	}
	return nil
}

// Entrypoints maps each entrypoint path (e.g. "tfy/secrets/decision") to its
// id. The map is a copy.
func (p *Policy) Entrypoints() map[string]int32 {
	out := make(map[string]int32, len(p.entrypoints))
	for k, v := range p.entrypoints {
		out[k] = v
	}
	return out
}

// Eval evaluates entrypoint against input (a JSON document; empty means no
// input) and returns the JSON of the entrypoint's value. An undefined value
// returns nil and an error wrapping ErrUndefined.
func (p *Policy) Eval(ctx context.Context, entrypoint string, input []byte) ([]byte, error) {
	id, ok := p.entrypoints[entrypoint]
	if !ok {
		return nil, fmt.Errorf("eval: unknown entrypoint %q", entrypoint)
	}
	if len(input) > 0 && !json.Valid(input) {
		return nil, errors.New("eval: input is not valid JSON")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	input = replaceInvalidUTF8(input)
	inst, err := p.get(ctx)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	out, err := inst.eval(ctx, id, input)
	if err != nil {
		// An aborted or cancelled instance may have a torn heap; it is
		// never reused.
		_ = inst.mod.Close(ctx)
		return nil, fmt.Errorf("eval %s: %w", entrypoint, err)
	}
	p.put(ctx, inst)
	if out == nil {
		return nil, fmt.Errorf("eval %s: %w", entrypoint, ErrUndefined)
	}
	return out, nil
}

// EvalDocument evaluates entrypoint against doc and returns the result set
// as the module prints it in JSON: [] when the entrypoint is undefined, else
// [{"result":X}]. It skips what Eval pays for arbitrary bytes (validating
// the input, replacing invalid UTF-8, rendering the result from Rego value
// text), and lays the input out in Go when the module allows (see image),
// so it is the hot path of an organisation policy's decision. Sets in X come out as arrays
// in the module's order, not sorted; callers that need Rego values use Eval.
func (p *Policy) EvalDocument(ctx context.Context, entrypoint string, doc *Document) ([]byte, error) {
	id, ok := p.entrypoints[entrypoint]
	if !ok {
		return nil, fmt.Errorf("eval: unknown entrypoint %q", entrypoint)
	}
	input, err := doc.Bytes()
	if err != nil {
		return nil, fmt.Errorf("eval: input: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	inst, err := p.get(ctx)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	var addr uint32
	if p.image {
		// The input laid out in Go (see image), then the result set
		// printed as opa_eval would have printed it.
		if addr, err = inst.evalResult(ctx, id, input); err == nil {
			addr, err = inst.callTop(context.WithValue(ctx, instanceKey{}, inst), inst.jsonDump, addr)
		}
	} else {
		addr, err = inst.evalRaw(ctx, id, input, jsonOutput)
	}
	var out []byte
	if err == nil {
		out, err = cStringView(inst.mem, addr)
		// A copy, taken before the instance can run again.
		out = bytes.Clone(out)
	}
	if err != nil {
		_ = inst.mod.Close(ctx)
		return nil, fmt.Errorf("eval %s: %w", entrypoint, err)
	}
	p.put(ctx, inst)
	return out, nil
}

// Close releases the policy's instances and compiled code. Evaluations still
// running finish; later ones fail.
func (p *Policy) Close(ctx context.Context) error {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	for _, inst := range idle {
		_ = inst.mod.Close(ctx)
	}
	return p.compiled.Close(ctx)
}

func (p *Policy) get(ctx context.Context) (*instance, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errors.New("policy is closed")
	}
	if n := len(p.idle); n > 0 {
		inst := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return inst, nil
	}
	p.mu.Unlock()
	return p.newInstance(ctx, false)
}

func (p *Policy) put(ctx context.Context, inst *instance) {
	p.mu.Lock()
	if !p.closed && len(p.idle) < p.maxIdle {
		p.idle = append(p.idle, inst)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	_ = inst.mod.Close(ctx)
}

// instance is one instantiated module with the data document loaded.
type instance struct {
	policy *Policy
	mod    api.Module
	mem    api.Memory
	minor  uint64 // ABI minor version

	malloc, jsonParse, valueParse, jsonDump, valueDump, heapSet  api.Function
	opaEval                                                      api.Function // nil before ABI 1.2
	ctxNew, ctxSetInput, ctxSetData, ctxSetEntry, evalFn, ctxRes api.Function

	dataAddr uint32
	// im is the scratch of the input images this instance lays out.
	im image
	// heapBase is the heap pointer right after the data was loaded; every
	// evaluation starts from it, so memory does not grow across calls.
	heapBase uint32
	stack    [8]uint64
}

func (p *Policy) newInstance(ctx context.Context, first bool) (inst *instance, err error) {
	mod, err := p.rt.rt.InstantiateModule(ctx, p.compiled, wazero.NewModuleConfig().WithName("").WithStartFunctions())
	if err != nil {
		return nil, fmt.Errorf("instantiate: %w", err)
	}
	defer func() {
		if err != nil {
			_ = mod.Close(ctx)
		}
	}()
	inst = &instance{policy: p, mod: mod, mem: mod.Memory()}
	if inst.mem == nil {
		return nil, errors.New("module has no memory")
	}
	if err := inst.bindExports(); err != nil {
		return nil, err
	}
	ctx = context.WithValue(ctx, instanceKey{}, inst)
	if first {
		if err := p.readTables(ctx, inst); err != nil {
			return nil, err
		}
	}
	if inst.dataAddr, err = inst.parseJSON(ctx, p.data); err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	heap, err := inst.call1(ctx, mod.ExportedFunction("opa_heap_ptr_get"))
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	inst.heapBase = heap
	return inst, nil
}

func (inst *instance) bindExports() error {
	var missing []string
	fn := func(name string, required bool) api.Function {
		f := inst.mod.ExportedFunction(name)
		if f == nil && required {
			missing = append(missing, name)
		}
		return f
	}
	if g := inst.mod.ExportedGlobal("opa_wasm_abi_version"); g == nil || g.Get() != 1 {
		return errors.New("module is not an OPA wasm ABI 1.x policy")
	}
	if g := inst.mod.ExportedGlobal("opa_wasm_abi_minor_version"); g != nil {
		inst.minor = g.Get()
	}
	inst.malloc = fn("opa_malloc", true)
	inst.jsonParse = fn("opa_json_parse", true)
	inst.valueParse = fn("opa_value_parse", true)
	inst.jsonDump = fn("opa_json_dump", true)
	inst.valueDump = fn("opa_value_dump", true)
	inst.heapSet = fn("opa_heap_ptr_set", true)
	fn("opa_heap_ptr_get", true)
	fn("builtins", true)
	fn("entrypoints", true)
	if inst.minor >= 2 {
		inst.opaEval = fn("opa_eval", false)
	}
	inst.ctxNew = fn("opa_eval_ctx_new", true)
	inst.ctxSetInput = fn("opa_eval_ctx_set_input", true)
	inst.ctxSetData = fn("opa_eval_ctx_set_data", true)
	inst.ctxSetEntry = fn("opa_eval_ctx_set_entrypoint", true)
	inst.evalFn = fn("eval", true)
	inst.ctxRes = fn("opa_eval_ctx_get_result", true)
	if len(missing) > 0 {
		return fmt.Errorf("module lacks OPA ABI exports: %s", strings.Join(missing, ", "))
	}
	return nil
}

// readTables reads the entrypoint and builtin tables once per policy and
// refuses a module needing a builtin we cannot provide.
func (p *Policy) readTables(ctx context.Context, inst *instance) error {
	var eps map[string]int32
	if err := inst.exportedJSON(ctx, "entrypoints", &eps); err != nil {
		return fmt.Errorf("entrypoints: %w", err)
	}
	var bis map[string]int32
	if err := inst.exportedJSON(ctx, "builtins", &bis); err != nil {
		return fmt.Errorf("builtins: %w", err)
	}
	p.entrypoints = eps
	p.builtins = make(map[int32]hostBuiltin, len(bis))
	var unsupported []string
	for name, id := range bis {
		b, ok := hostBuiltins[name]
		if !ok {
			unsupported = append(unsupported, name)
			continue
		}
		p.builtins[id] = b
	}
	if len(unsupported) > 0 {
		sort.Strings(unsupported)
		return &UnsupportedBuiltinsError{Names: unsupported}
	}
	return nil
}

// exportedJSON calls a no-argument export returning a value and decodes its
// JSON dump into out.
func (inst *instance) exportedJSON(ctx context.Context, name string, out any) error {
	addr, err := inst.call1(ctx, inst.mod.ExportedFunction(name))
	if err != nil {
		return err
	}
	s, err := inst.dumpJSON(ctx, addr)
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(s), out); err != nil {
		return fmt.Errorf("decode %s: %w", name, err)
	}
	return nil
}

// call runs fn with args on the instance's reusable stack and returns the
// first result.
func (inst *instance) call(ctx context.Context, fn api.Function, args ...uint32) (uint32, error) {
	// A fresh stack, not inst.stack: host builtins call back into the
	// module while opa_eval still owns inst.stack.
	stack := make([]uint64, max(len(args), 1))
	for i, a := range args {
		stack[i] = uint64(a)
	}
	if err := fn.CallWithStack(ctx, stack); err != nil {
		return 0, unwrapAbort(err)
	}
	return uint32(stack[0]), nil
}

func (inst *instance) call1(ctx context.Context, fn api.Function) (uint32, error) {
	return inst.call(ctx, fn)
}

// unwrapAbort surfaces the module's own abort message rather than wazero's
// stack-trace-laden wrapper.
func unwrapAbort(err error) error {
	var ab *abortError
	if errors.As(err, &ab) {
		return ab
	}
	return err
}

// write copies b into freshly allocated wasm memory.
func (inst *instance) write(ctx context.Context, b []byte) (uint32, error) {
	addr, err := inst.call(ctx, inst.malloc, uint32(len(b)))
	if err != nil {
		return 0, err
	}
	if !inst.mem.Write(addr, b) {
		return 0, fmt.Errorf("write %d bytes at %d: out of memory", len(b), addr)
	}
	return addr, nil
}

func (inst *instance) parseJSON(ctx context.Context, b []byte) (uint32, error) {
	addr, err := inst.write(ctx, b)
	if err != nil {
		return 0, err
	}
	v, err := inst.call(ctx, inst.jsonParse, addr, uint32(len(b)))
	if err != nil {
		return 0, err
	}
	if v == 0 {
		return 0, errors.New("module could not parse JSON")
	}
	return v, nil
}

func (inst *instance) dumpJSON(ctx context.Context, v uint32) (string, error) {
	addr, err := inst.call(ctx, inst.jsonDump, v)
	if err != nil {
		return "", err
	}
	return readCString(inst.mem, addr)
}

// eval runs one evaluation and returns the entrypoint value's JSON, nil for
// an undefined result.
func (inst *instance) eval(ctx context.Context, entrypoint int32, input []byte) ([]byte, error) {
	addr, err := inst.evalRaw(ctx, entrypoint, input, valueOutput)
	if err != nil {
		return nil, err
	}
	raw, err := readCString(inst.mem, addr)
	if err != nil {
		return nil, err
	}
	return decodeResultSet(raw)
}

// The result-set formats opa_eval can print.
type outputFormat uint64

const (
	jsonOutput  outputFormat = 0
	valueOutput outputFormat = 1 // Rego value text: sets stay distinguishable
)

// evalRaw runs one evaluation from a clean heap and returns the address of
// the result set printed in format, a NUL-terminated string.
func (inst *instance) evalRaw(ctx context.Context, entrypoint int32, input []byte, format outputFormat) (uint32, error) {
	ctx = context.WithValue(ctx, instanceKey{}, inst)
	if inst.opaEval != nil && !inst.policy.classic {
		return inst.evalFast(ctx, entrypoint, input, format)
	}
	return inst.evalClassic(ctx, entrypoint, input, format)
}

// evalFast uses opa_eval (ABI 1.2): the input JSON is placed at the heap base
// and the module parses, evaluates and dumps in one call.
func (inst *instance) evalFast(ctx context.Context, entrypoint int32, input []byte, format outputFormat) (uint32, error) {
	inputAddr := inst.heapBase
	end := uint64(inputAddr) + uint64(len(input))
	if size := uint64(inst.mem.Size()); end > size {
		pages := (end - size + 0xffff) / 0x10000
		if _, ok := inst.mem.Grow(uint32(pages)); !ok {
			return 0, fmt.Errorf("input of %d bytes exceeds the memory limit", len(input))
		}
	}
	if !inst.mem.Write(inputAddr, input) {
		return 0, errors.New("write input: out of memory")
	}
	stack := inst.stack[:7]
	stack[0] = 0 // reserved
	stack[1] = uint64(uint32(entrypoint))
	stack[2] = uint64(inst.dataAddr)
	stack[3] = uint64(inputAddr)
	stack[4] = uint64(len(input))
	stack[5] = end
	stack[6] = uint64(format)
	if err := inst.opaEval.CallWithStack(ctx, stack); err != nil {
		return 0, unwrapAbort(err)
	}
	return uint32(stack[0]), nil
}

// evalClassic drives the ABI 1.0 evaluation context step by step.
func (inst *instance) evalClassic(ctx context.Context, entrypoint int32, input []byte, format outputFormat) (uint32, error) {
	if _, err := inst.call(ctx, inst.heapSet, inst.heapBase); err != nil {
		return 0, err
	}
	evalCtx, err := inst.call1(ctx, inst.ctxNew)
	if err != nil {
		return 0, err
	}
	if len(input) > 0 {
		in, err := inst.parseJSON(ctx, input)
		if err != nil {
			return 0, fmt.Errorf("input: %w", err)
		}
		if _, err := inst.call(ctx, inst.ctxSetInput, evalCtx, in); err != nil {
			return 0, err
		}
	}
	if _, err := inst.call(ctx, inst.ctxSetData, evalCtx, inst.dataAddr); err != nil {
		return 0, err
	}
	if _, err := inst.call(ctx, inst.ctxSetEntry, evalCtx, uint32(entrypoint)); err != nil {
		return 0, err
	}
	if code, err := inst.call(ctx, inst.evalFn, evalCtx); err != nil {
		return 0, err
	} else if code != 0 {
		return 0, fmt.Errorf("module eval returned error code %d", code)
	}
	res, err := inst.call(ctx, inst.ctxRes, evalCtx)
	if err != nil {
		return 0, err
	}
	dump := inst.valueDump
	if format == jsonOutput {
		dump = inst.jsonDump
	}
	return inst.call(ctx, dump, res)
}

// decodeResultSet turns the module's result set, printed as a Rego value
// (an empty set, or a set or array holding {"result": X}), into X's JSON, nil
// when undefined. Rendering X here rather than in the module makes the output
// equal topdown's: sets come out sorted instead of in hash order.
func decodeResultSet(raw string) ([]byte, error) {
	rs, err := parseValue(raw)
	if err != nil {
		return nil, fmt.Errorf("decode result set: %w", err)
	}
	var rows []value
	switch x := rs.(type) {
	case set:
		rows = x
	case []value:
		rows = x
	default:
		return nil, fmt.Errorf("decode result set: got %s, want a set", typeName(rs))
	}
	switch len(rows) {
	case 0:
		return nil, nil
	case 1:
		if obj, ok := rows[0].(*object); ok {
			for i, k := range obj.keys {
				if k == "result" {
					return appendJSON(nil, obj.vals[i]), nil
				}
			}
		}
		return nil, errors.New("decode result set: no result field")
	}
	return nil, fmt.Errorf("decode result set: %d results, want at most 1", len(rows))
}

// callBuiltin answers opa_builtinN: it reads the arguments as Rego values,
// runs the host implementation and returns the result's address (0, meaning
// undefined, when the builtin fails).
func (inst *instance) callBuiltin(ctx context.Context, id int32, addrs []uint32) uint32 {
	if err := ctx.Err(); err != nil {
		panic(err)
	}
	b, ok := inst.policy.builtins[id]
	if !ok || b.arity != len(addrs) {
		panic(&abortError{msg: fmt.Sprintf("call to unknown builtin id %d with %d args", id, len(addrs))})
	}
	args := make([]value, len(addrs))
	for i, a := range addrs {
		dump, err := inst.call(ctx, inst.valueDump, a)
		if err != nil {
			panic(err)
		}
		s, err := readCString(inst.mem, dump)
		if err != nil {
			panic(&abortError{msg: "builtin argument: " + err.Error()})
		}
		if args[i], err = parseValue(s); err != nil {
			panic(&abortError{msg: "builtin argument: " + err.Error()})
		}
	}
	res, err := b.fn(args)
	if err != nil {
		return 0
	}
	text := appendValue(nil, res)
	addr, err := inst.write(ctx, text)
	if err != nil {
		panic(err)
	}
	v, err := inst.call(ctx, inst.valueParse, addr, uint32(len(text)))
	if err != nil {
		panic(err)
	}
	return v
}
