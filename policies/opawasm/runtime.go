package opawasm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// memoryLimitPages caps every policy instance's linear memory at 512 MiB
// (64 KiB pages) so a runaway policy fails instead of exhausting the host.
const memoryLimitPages = 8192

// RuntimeOptions configures a Runtime.
type RuntimeOptions struct {
	// CacheDir is where compiled machine code is kept between processes.
	// "" means the per-user default, $XDG_CACHE_HOME/tfy-secrets/wazero or
	// ~/.cache/tfy-secrets/wazero.
	CacheDir string
	// NoDiskCache keeps compiled code in memory only (tests, read-only homes).
	NoDiskCache bool
}

// Runtime compiles and runs policy modules. One per process is enough; it is
// safe for concurrent use.
type Runtime struct {
	rt    wazero.Runtime
	cache wazero.CompilationCache
	// cacheDir is the directory the user chose (or the default), and
	// buildDir the subdirectory for this build that wazero writes to; both
	// "" without a disk cache.
	cacheDir, buildDir string
	// cacheErr says why the disk cache is not in use, when it was wanted.
	cacheErr error
	// compileMu serialises compilation: wazero advises against compiling
	// the same module concurrently, and cache sealing walks the directory.
	compileMu sync.Mutex
}

// NewRuntime starts a wazero runtime with a compilation cache. A cache
// directory that cannot be used safely is never fatal: the runtime falls back
// to an in-memory cache and CacheError says why.
func NewRuntime(ctx context.Context, opts RuntimeOptions) (*Runtime, error) {
	r := &Runtime{}
	if !opts.NoDiskCache {
		r.cacheDir, r.buildDir, r.cacheErr = openCacheDir(opts.CacheDir)
	}
	if r.buildDir != "" {
		c, err := wazero.NewCompilationCacheWithDir(r.buildDir)
		if err != nil {
			r.cacheDir, r.buildDir, r.cacheErr = "", "", fmt.Errorf("open compilation cache: %w", err)
		} else {
			r.cache = c
		}
	}
	if r.cache == nil {
		r.cache = wazero.NewCompilationCache()
	}
	cfg := wazero.NewRuntimeConfig().
		WithCompilationCache(r.cache).
		WithMemoryLimitPages(memoryLimitPages).
		// Not WithCloseOnContextDone: it makes wazero start a goroutine
		// for every call into the module, host callbacks included, which
		// measured 3.5x slower per decision. Rego evaluation always
		// terminates and memory is capped; Eval honours cancellation
		// before it starts and at every host builtin call instead.
		WithCloseOnContextDone(false).
		// No function listeners or debuggers: DWARF and custom sections
		// are only decoding work on the startup path.
		WithDebugInfoEnabled(false).
		WithCustomSections(false)
	r.rt = wazero.NewRuntimeWithConfig(ctx, cfg)
	if err := r.instantiateHost(ctx); err != nil {
		_ = r.Close(ctx)
		return nil, fmt.Errorf("new runtime: %w", err)
	}
	return r, nil
}

// CacheDir is the directory holding compiled code, "" when only the
// in-memory cache is used.
func (r *Runtime) CacheDir() string { return r.cacheDir }

// CacheError says why the disk cache is not in use, nil when it is (or when
// it was not asked for).
func (r *Runtime) CacheError() error { return r.cacheErr }

// Close releases everything the runtime and its policies hold.
func (r *Runtime) Close(ctx context.Context) error {
	err := r.rt.Close(ctx)
	if cerr := r.cache.Close(ctx); err == nil {
		err = cerr
	}
	return err
}

// instantiateHost registers the "env" imports every OPA module expects. They
// find the calling instance through the context Eval passes down.
func (r *Runtime) instantiateHost(ctx context.Context) error {
	b := r.rt.NewHostModuleBuilder("env")
	i32 := api.ValueTypeI32
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(hostAbort), []api.ValueType{i32}, nil).Export("opa_abort")
	// print() output is a debugging aid for policy authors; the engine
	// never prints, so it is dropped.
	b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(context.Context, api.Module, []uint64) {}), []api.ValueType{i32}, nil).Export("opa_println")
	for n := range 5 {
		params := make([]api.ValueType, n+2) // builtin id, opa ctx, args
		for i := range params {
			params[i] = i32
		}
		b.NewFunctionBuilder().WithGoModuleFunction(hostBuiltinDispatcher(n), params, []api.ValueType{i32}).Export(fmt.Sprintf("opa_builtin%d", n))
	}
	_, err := b.Instantiate(ctx)
	return err
}

type instanceKey struct{}

// abortError is raised (as a panic wazero turns into an error) when the
// module calls opa_abort or a host builtin cannot read its arguments.
type abortError struct{ msg string }

func (e *abortError) Error() string { return "policy aborted: " + e.msg }

func hostAbort(ctx context.Context, mod api.Module, stack []uint64) {
	msg, _ := readCString(mod.Memory(), uint32(stack[0]))
	panic(&abortError{msg: msg})
}

func hostBuiltinDispatcher(n int) api.GoModuleFunc {
	return func(ctx context.Context, mod api.Module, stack []uint64) {
		inst, ok := ctx.Value(instanceKey{}).(*instance)
		if !ok {
			panic(&abortError{msg: "builtin called outside an evaluation"})
		}
		addrs := make([]uint32, n)
		for i := range addrs {
			addrs[i] = uint32(stack[2+i])
		}
		stack[0] = uint64(inst.callBuiltin(ctx, int32(uint32(stack[0])), addrs))
	}
}

// readCString reads the NUL-terminated string at addr.
func readCString(mem api.Memory, addr uint32) (string, error) {
	b, err := cStringView(mem, addr)
	return string(b), err
}

// cStringView is the NUL-terminated string at addr, in place: valid until
// the module runs again.
func cStringView(mem api.Memory, addr uint32) ([]byte, error) {
	if mem == nil || addr >= mem.Size() {
		return nil, fmt.Errorf("string address %d out of memory", addr)
	}
	buf, ok := mem.Read(addr, mem.Size()-addr)
	if !ok {
		return nil, fmt.Errorf("string address %d out of memory", addr)
	}
	end := bytes.IndexByte(buf, 0)
	if end < 0 {
		return nil, errors.New("unterminated string in memory")
	}
	return buf[:end], nil
}
