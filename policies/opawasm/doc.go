// Package opawasm evaluates OPA policies compiled to WebAssembly (the OPA
// wasm ABI, versions 1.x) on wazero, a pure-Go runtime, so the plugin can run
// Rego decisions without linking OPA itself.
//
// It owns: instantiating compiled policy modules, loading their data
// document, evaluating entrypoints, the host side of the builtins OPA does not
// compile into wasm (sprintf and friends, see builtins.go), and the on-disk
// wazero compilation cache with its integrity checks.
//
// It must not: import OPA (the plugin binary stays small and fast to start;
// a test enforces it), interpret decisions (that is the policy package's job),
// or print anything. Policy inputs pass through it as opaque JSON documents
// (laid out in Go as the module's own values when the module's layout was
// checked, see image.go) and results as JSON or, for EvalView, as a View of
// the module's memory that the caller reads; callers must never put a secret
// value into an input.
package opawasm
