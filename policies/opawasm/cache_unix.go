//go:build unix

package opawasm

import (
	"io/fs"
	"os"
	"syscall"
)

// fileOwnedByUser reports whether fi belongs to the user running this process.
func fileOwnedByUser(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Getuid()
}
