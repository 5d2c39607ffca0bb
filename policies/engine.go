package policies

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/policies/internal/defaultinput"
	"github.com/tfy-secrets/tfy-secrets/policies/opawasm"
)

// Entrypoint is the rule every policy, default or organisation, defines.
const Entrypoint = "tfy/secrets/decision"

// defaultWasm is the default policy compiled by `go generate` (see doc.go).
//
//go:embed default.wasm
var defaultWasm []byte

// regoSources are the default policies' sources, for `policy show`. The
// tests are embedded too (embed patterns cannot exclude) and filtered out in
// defaultModules.
//
//go:embed *.rego
var regoSources embed.FS

// maxBundleFileBytes bounds the compressed bundle read from disk.
const maxBundleFileBytes = 32 << 20

const bundleHint = "rebuild it with `tfy-secrets policy build DIR -o BUNDLE` (or `opa build -t wasm -e tfy/secrets/decision DIR`), or unset --policy / TFY_SECRETS_POLICY"

// Options configures an Engine.
type Options struct {
	// Bundle is the path of an organisation policy bundle; "" means the
	// defaults alone.
	Bundle string
	// Stores is the store-rules object keyed by integration type, as the
	// provider modules describe them: {"integration/secret-store/azure/vault":
	// {"name": ..., "key_chars": ..., ...}, ...}. Policies see it as
	// data.stores. nil means no store's rules are known.
	Stores json.RawMessage
	// CacheDir holds compiled policy code between processes; "" means the
	// per-user default (see opawasm.RuntimeOptions).
	CacheDir string
}

// Engine decides operations. It is safe for concurrent use.
type Engine struct {
	cacheDir string
	// data is the default policy's data document; precomputedOK says it
	// is the one the precomputed decisions were evaluated against.
	data          []byte
	precomputedOK bool
	// sizeBound is the smallest max_value_bytes of the store rules: a
	// change's length at or below it cannot exceed any store's limit, so
	// the lean input leaves it out (see setView).
	sizeBound int

	// mu serialises starting the wasm runtime and closing the engine.
	mu     sync.Mutex
	closed bool
	rt     *opawasm.Runtime
	// def is the loaded default policy, nil until the first decision
	// that needs it; read without mu on every decision.
	def atomic.Pointer[opawasm.Policy]
	// starts counts wasm runtimes started, so tests can tell a decision
	// that touched wazero from one that did not.
	starts atomic.Int32

	org     *opawasm.Policy // nil without an organisation bundle
	modules []Module

	// scratch recycles the lean input and its document between decisions.
	scratch sync.Pool
}

// scratch is one decision's reusable buffers.
type scratch struct {
	in  defaultinput.Input
	doc opawasm.Document
}

// New prepares the default policy and, when opts.Bundle is set, loads the
// organisation bundle. Without a bundle nothing is started: most reads are
// decided from the precomputed table, and the wasm runtime starts on the
// first decision that is not (costing ~10 ms and hundreds of page faults in
// a fresh process). A bundle is loaded here, because one that cannot be used
// must fail before any operation: it is a failure.Config error, since
// silently running without the organisation's rules would loosen what the
// organisation asked for.
func New(ctx context.Context, opts Options) (*Engine, error) {
	data, sizeBound, err := storesDocument(opts.Stores)
	if err != nil {
		return nil, failure.Wrap(failure.Config, err, "policy store rules: "+err.Error())
	}
	e := &Engine{
		cacheDir:      opts.CacheDir,
		data:          data,
		sizeBound:     sizeBound,
		precomputedOK: defaultinput.Hash(data) == precomputed.storesHash,
		modules:       defaultModules(),
	}
	e.scratch.New = func() any { return new(scratch) }
	if opts.Bundle == "" {
		return e, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.start(ctx); err != nil {
		return nil, fmt.Errorf("new policy engine: %w", err)
	}
	if err := e.loadBundle(ctx, opts.Bundle, opts.Stores); err != nil {
		_ = e.rt.Close(ctx)
		return nil, err
	}
	return e, nil
}

// start starts the wasm runtime and loads the default policy; e.mu is held.
func (e *Engine) start(ctx context.Context) error {
	if e.closed {
		return errors.New("the policy engine is closed")
	}
	rt, err := opawasm.NewRuntime(ctx, opawasm.RuntimeOptions{CacheDir: e.cacheDir})
	if err != nil {
		return err
	}
	e.starts.Add(1)
	def, err := rt.Load(ctx, defaultWasm, e.data)
	if err != nil {
		_ = rt.Close(ctx)
		return fmt.Errorf("load defaults: %w", err)
	}
	e.rt = rt
	e.def.Store(def)
	return nil
}

// defaultPolicy is the loaded default policy, started on first use. A start
// that fails is not remembered, so a later decision (with a longer timeout,
// say) tries again.
func (e *Engine) defaultPolicy(ctx context.Context) (*opawasm.Policy, error) {
	if p := e.def.Load(); p != nil {
		return p, nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if p := e.def.Load(); p != nil {
		return p, nil
	}
	if err := e.start(ctx); err != nil {
		return nil, fmt.Errorf("start policy engine: %w", err)
	}
	return e.def.Load(), nil
}

// storesDocument checks the store rules and wraps them as the default
// policy's data document (see defaultinput.Data). sizeBound is the smallest
// max_value_bytes, math.MaxInt without stores (no size rule applies then).
func storesDocument(raw json.RawMessage) (data []byte, sizeBound int, err error) {
	sizeBound = math.MaxInt
	if len(bytes.TrimSpace(raw)) == 0 {
		data, err = defaultinput.Data(nil)
		return data, sizeBound, err
	}
	var stores map[string]struct {
		Name          *string `json:"name"`
		KeyChars      *string `json:"key_chars"`
		KeyMin        *int    `json:"key_min"`
		KeyMax        *int    `json:"key_max"`
		KeyPattern    *string `json:"key_pattern"`
		MaxValueBytes *int    `json:"max_value_bytes"`
		UnderscoreOK  *bool   `json:"underscore_ok"`
	}
	if err := json.Unmarshal(raw, &stores); err != nil || stores == nil {
		return nil, 0, errors.New("want an object of store rules keyed by integration type")
	}
	for typ, s := range stores {
		switch {
		case s.Name == nil || *s.Name == "":
			return nil, 0, fmt.Errorf("store %q: name is missing", typ)
		case s.KeyChars == nil || *s.KeyChars == "":
			return nil, 0, fmt.Errorf("store %q: key_chars is missing", typ)
		case s.KeyMin == nil || s.KeyMax == nil || *s.KeyMin < 1 || *s.KeyMax < *s.KeyMin:
			return nil, 0, fmt.Errorf("store %q: key_min and key_max must satisfy 1 <= key_min <= key_max", typ)
		case s.KeyPattern == nil || *s.KeyPattern == "":
			return nil, 0, fmt.Errorf("store %q: key_pattern is missing", typ)
		case s.MaxValueBytes == nil || *s.MaxValueBytes < 1:
			return nil, 0, fmt.Errorf("store %q: max_value_bytes must be positive", typ)
		case s.UnderscoreOK == nil:
			return nil, 0, fmt.Errorf("store %q: underscore_ok is missing", typ)
		}
		sizeBound = min(sizeBound, *s.MaxValueBytes)
	}
	data, err = defaultinput.Data(raw)
	return data, sizeBound, err
}

func (e *Engine) loadBundle(ctx context.Context, path string, stores json.RawMessage) error {
	fail := func(err error, what string) error {
		return failure.Wrap(failure.Config, err, fmt.Sprintf("policy bundle %s: %s", path, what)).WithHint(bundleHint)
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fail(err, "no such file")
		}
		return fail(err, "cannot open: "+err.Error())
	}
	defer f.Close()
	b, err := ReadBundle(io.LimitReader(f, maxBundleFileBytes))
	if err != nil {
		return fail(err, err.Error())
	}
	data, err := orgData(b.Data, stores)
	if err != nil {
		return fail(err, err.Error())
	}
	p, err := e.rt.Load(ctx, b.Wasm, data)
	if err != nil {
		if ub, ok := errors.AsType[*opawasm.UnsupportedBuiltinsError](err); ok {
			return failure.Wrap(failure.Config, err, fmt.Sprintf("policy bundle %s: uses builtins tfy-secrets cannot run: %s", path, strings.Join(ub.Names, ", "))).
				WithHint("rewrite the policy without them; `tfy-secrets policy build` checks this when it builds")
		}
		return fail(err, "cannot load the policy: "+err.Error())
	}
	if _, ok := p.Entrypoints()[Entrypoint]; !ok {
		_ = p.Close(ctx)
		return fail(errors.New("missing entrypoint"), "the policy has no "+Entrypoint+" entry point")
	}
	e.org = p
	for _, m := range b.Modules {
		e.modules = append(e.modules, Module{Name: "org:" + m.Name, Source: m.Source})
	}
	return nil
}

// orgData is the organisation's data document with the store rules added,
// so organisation policies can use data.stores too.
func orgData(data []byte, stores json.RawMessage) ([]byte, error) {
	doc := map[string]json.RawMessage{}
	if data != nil {
		if err := json.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("data.json: %w", err)
		}
	}
	if len(bytes.TrimSpace(stores)) == 0 {
		stores = json.RawMessage(`{}`)
	}
	doc["stores"] = stores
	return json.Marshal(doc)
}

func defaultModules() []Module {
	entries, err := regoSources.ReadDir(".")
	if err != nil {
		return nil
	}
	var out []Module
	for _, ent := range entries {
		if strings.HasSuffix(ent.Name(), "_test.rego") {
			continue
		}
		src, err := regoSources.ReadFile(ent.Name())
		if err != nil {
			continue
		}
		out = append(out, Module{Name: "default/" + ent.Name(), Source: string(src)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Modules lists the Rego sources in force: the defaults ("default/...")
// then the organisation bundle's ("org:...").
func (e *Engine) Modules() []Module {
	return append([]Module(nil), e.modules...)
}

// Decide evaluates the default policy and the organisation's on in and
// combines them. A policy that fails to evaluate, or returns a document the
// engine cannot read, is an error, never a silent allow.
func (e *Engine) Decide(ctx context.Context, in policydoc.Input) (policydoc.Decision, error) {
	d, err := e.decide(ctx, in)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		// Not a broken policy: the call's --timeout ran out, most likely
		// while the first decision that needed it compiled the policies.
		return policydoc.Decision{}, failure.Wrap(failure.Unavailable, err, "the policy decision did not finish within the timeout").
			WithHint("raise --timeout; the first run after an install compiles the policies and takes longest")
	}
	return d, err
}

func (e *Engine) decide(ctx context.Context, in policydoc.Input) (policydoc.Decision, error) {
	if err := in.Validate(); err != nil {
		return policydoc.Decision{}, fmt.Errorf("decide: input: %w", err)
	}
	sc := e.scratch.Get().(*scratch)
	defer e.scratch.Put(sc)
	def, owned, err := e.decideDefault(ctx, in, sc)
	if err != nil {
		return policydoc.Decision{}, fmt.Errorf("decide: %w", err)
	}
	if e.org == nil {
		if owned {
			return alone(def), nil
		}
		return combine(def, policydoc.Decision{}), nil
	}
	// An organisation policy may read any field, so it gets the whole
	// document.
	writeFull(&sc.doc, &in)
	raw, err := e.org.EvalDocument(ctx, Entrypoint, &sc.doc)
	if err != nil {
		return policydoc.Decision{}, failure.Wrap(failure.Config, err, "organisation policy failed: "+err.Error()).WithHint(bundleHint)
	}
	org, defined, err := parseResultSet(raw)
	if err != nil {
		return policydoc.Decision{}, failure.Wrap(failure.Config, err, "organisation policy: "+err.Error()).WithHint(bundleHint)
	}
	if !defined {
		// An organisation policy with no opinion on this input adds
		// nothing; the defaults still apply in full.
		return combine(def, policydoc.Decision{}), nil
	}
	return combine(def, org), nil
}

// decideDefault is the default policy's decision on in's lean view: from the
// precomputed table when the view is one of its constant inputs (exactly
// the bytes the module would have read, against the same store rules), else
// evaluated. owned says the decision's slices and map were made for this
// call (evaluated), not shared with the table.
func (e *Engine) decideDefault(ctx context.Context, in policydoc.Input, sc *scratch) (d policydoc.Decision, owned bool, err error) {
	setView(&sc.in, in, e.sizeBound)
	defaultinput.Write(&sc.doc, &sc.in)
	if e.precomputedOK && len(in.Changes) == 0 && len(in.Secrets) == 0 {
		input, err := sc.doc.Bytes()
		if err != nil {
			return policydoc.Decision{}, false, fmt.Errorf("default policy input: %w", err)
		}
		if d, ok := precomputed.lookup(input); ok {
			return d, false, nil
		}
	}
	p, err := e.defaultPolicy(ctx)
	if err != nil {
		return policydoc.Decision{}, false, err
	}
	var defined bool
	err = p.EvalView(ctx, Entrypoint, &sc.doc, func(rs opawasm.View) (err error) {
		d, defined, err = readDecision(rs)
		return err
	})
	if err != nil {
		return policydoc.Decision{}, false, fmt.Errorf("default policy: %w", err)
	}
	if !defined {
		return policydoc.Decision{}, false, errUndefinedDefault
	}
	return d, true, nil
}

// EvalJSON is `policy eval`: it parses an input document (see policydoc.ParseInput)
// and returns the combined decision as JSON.
func (e *Engine) EvalJSON(ctx context.Context, input []byte) ([]byte, error) {
	in, err := policydoc.ParseInput(input)
	if err != nil {
		return nil, failure.Wrap(failure.Usage, err, err.Error()).WithHint("the input document is described in docs/policies.md")
	}
	d, err := e.Decide(ctx, in)
	if err != nil {
		return nil, err
	}
	return json.Marshal(d)
}

// Close releases the compiled policies. Decisions after Close that need
// the wasm runtime fail.
func (e *Engine) Close(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.closed = true
	if e.rt == nil {
		return nil
	}
	return e.rt.Close(ctx)
}
