package spawn

import "os"

// socketBase is where the plugin's private socket directory goes. Every
// command creates that directory, the plugin's socket and a few entries
// beside it, and removes them again, so a memory file system is worth
// having: on a disk file system where many files have come and gone (the
// /tmp of a machine that runs builds and tests), ext4 allocates each new
// inode only after skipping recently deleted ones one by one, which we
// measured at 1-4 ms per entry, more than the rest of the start.
//
// The order: $XDG_RUNTIME_DIR, the per-user runtime directory meant for
// sockets (a memory file system, closed to others); then $TMPDIR when the
// user set it; then the shared memory file system /dev/shm when there is
// one; then the system's temp directory.
func socketBase() string {
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" && privateDir(dir) {
		return dir
	}
	if dir := os.Getenv("TMPDIR"); dir != "" {
		return dir
	}
	if sharedMemoryDir(shmDir) {
		return shmDir
	}
	return os.TempDir()
}

// shmDir is Linux's shared memory file system.
const shmDir = "/dev/shm"

// privateDir reports whether dir is a directory of this user's that nobody
// else can enter, as the XDG specification requires of the runtime
// directory (a symlink to one counts).
func privateDir(dir string) bool {
	info, err := os.Stat(dir)
	return err == nil && info.IsDir() && info.Mode().Perm()&0o077 == 0 && ownedByUser(info)
}
