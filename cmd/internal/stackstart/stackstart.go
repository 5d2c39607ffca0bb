// Package stackstart grows the main goroutine's stack once, before the
// package initialisers of gRPC, protobuf and go-plugin run on it. Each of
// tfy-secrets' main packages imports it for that side effect alone.
//
// Why: every goroutine starts with a 2 KiB stack that doubles whenever a
// call needs more, and every doubling copies the stack and walks all its
// frames, decoding their stack maps from the binary's pclntab (which, in a
// process a few milliseconds old, also page-faults). The main goroutine
// runs every package initialiser and then main, and used to reach its size
// through several such copies, the later ones deep inside protobuf and
// gRPC initialisers. One jump to 64 KiB while the stack is still shallow
// replaces them with a single small copy: about 1-2 ms less CPU for a
// `group list -o json`, host and plugin together (perf stat, medians of
// 60 interleaved runs).
//
// It works only if it is initialised early. Go initialises packages in
// import-path order, each after its own imports; this package imports
// nothing and its path sorts before google.golang.org and most of
// github.com, so it runs among the first. The process tests of both
// binaries check that order with GODEBUG=inittrace=1. It must not do
// anything else, and must stay free of imports.
package stackstart

// grow is never inlined, so the call and its frame stay even though the
// result is dropped.
func init() { _ = grow(0) }

// grow needs a 60 KiB frame, so morestack sizes the stack to 64 KiB in one
// step. The stack is not shrunk again before the first garbage collection,
// which a short command usually never reaches.
//
//go:noinline
func grow(i int) byte {
	var frame [60 << 10]byte
	frame[i] = 1
	return frame[len(frame)-1-i]
}
