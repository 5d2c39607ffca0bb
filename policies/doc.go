// Package policies owns the policy decision for every tfy-secrets operation:
// the default Rego policies (compiled at build time to the embedded
// default.wasm), evaluating them on the input document package policydoc
// declares, reading organisation policy bundles, and combining the default decision
// with an organisation's so that an organisation can tighten but never
// loosen the defaults. Reads whose default decision is a constant of the
// build are answered from a table `go generate` computes with default.wasm
// (precomputed.go), so they never start the wasm runtime.
//
// It runs on the plugin's hot path, so it must not import OPA (its compiler
// and evaluator add tens of milliseconds to every process start; a test
// enforces this): decisions are evaluated by policies/opawasm on wazero, and
// compiling or testing Rego lives in policies/authoring. It never prints, and
// no secret value may ever reach it: the input carries key names and value
// lengths only.
package policies

//go:generate go run ./internal/gen -o default.wasm -table precomputed.go
