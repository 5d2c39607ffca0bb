//go:build !linux

package spawn

// Elsewhere ownedByUser is never true, so makeSockDir neither locks nor
// sweeps; these keep the build whole.
func lockDir(string) func() { return func() {} }

// maxSocketPath is the longest path a Unix socket address holds on the BSDs
// and macOS: 104 bytes, less the terminating NUL.
const maxSocketPath = 103

func sweepStale(string) {}
