//go:build !unix

package opawasm

import "io/fs"

// ownedByUser cannot be checked portably here; the user's profile directory
// is private by default on these systems.
func ownedByUser(fs.FileInfo) bool { return true }
