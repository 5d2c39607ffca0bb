//go:build !linux

package spawn

import (
	"io/fs"
	"os"
)

// Elsewhere the plugin is hashed on every start: without Linux's stat
// fields and /proc/self/fd the launcher cannot tie a record to the file it
// executes.
func fileIdentity(fs.FileInfo) []byte { return nil }

func ownedByUser(fs.FileInfo) bool { return false }

func execTarget(_ *os.File, path, _ string) (string, func()) { return path, func() {} }

func warmProcessStart() {}

func sharedMemoryDir(string) bool { return false }
