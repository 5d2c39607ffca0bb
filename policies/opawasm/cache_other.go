//go:build !unix

package opawasm

import "io/fs"

// fileOwnedByUser cannot be checked portably here; the user's profile directory
// is private by default on these systems.
func fileOwnedByUser(fs.FileInfo) bool { return true }
