package spawn

import (
	"fmt"
	"os"
	"slices"
	"strconv"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

// socketBases are where the plugin's private socket directory may go, in
// order of preference. Every command creates that directory, the plugin's
// socket and a few entries beside it, and removes them again, so a memory
// file system is worth having: on a disk file system where many files have
// come and gone (the /tmp of a machine that runs builds and tests), ext4
// allocates each new inode only after skipping recently deleted ones one by
// one, which we measured at 1-4 ms per entry, more than the rest of the
// start.
//
// The order: $XDG_RUNTIME_DIR, the per-user runtime directory meant for
// sockets (a memory file system, closed to others); then $TMPDIR when the
// user set it; then the shared memory file system /dev/shm when there is
// one; then the system's temp directory, and /tmp. makeSockDir takes the
// first in which the socket's path fits a Unix socket address.
func socketBases() []string {
	var out []string
	add := func(dir string) {
		if dir != "" && !slices.Contains(out, dir) {
			out = append(out, dir)
		}
	}
	add(runtimeDir())
	add(os.Getenv("TMPDIR"))
	if sharedMemoryDir(shmDir) {
		add(shmDir)
	}
	add(os.TempDir())
	add("/tmp")
	return out
}

// socketName is the longest name go-plugin gives the socket it makes in the
// directory it is given: "plugin" and a random uint32.
const socketName = "/plugin4294967295"

// runtimeDir is $XDG_RUNTIME_DIR when it is what the XDG specification
// promises (private to this user), else "".
func runtimeDir() string {
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" && privateDir(dir) {
		return dir
	}
	return ""
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

// userDirName is the directory of this user's socket directories inside
// base: in the runtime directory, which is the user's already, a plain
// name; in a shared one, a name per user, so that users never meet in it.
func userDirName(base string) string {
	if base == runtimeDir() {
		return "tfy-secrets"
	}
	return "tfy-secrets-" + strconv.Itoa(os.Getuid())
}

// makeSockDir creates the plugin's private (0700) socket directory and
// returns it with a release function that removes it.
//
// It goes into a directory of this user's own (userDirName) as
// <host pid>-<random>, held with a lock (flock) on the open directory
// while the host runs. Socket directories of earlier commands that ended
// abnormally (the host killed before its plugin could tidy up, or both
// killed) would otherwise pile up in /dev/shm or /tmp, so each start first
// removes those whose lock is free and whose host is gone (sweepStale).
// When the user's own directory cannot be had as one only the user can
// enter (someone else made it, or it is a symlink), the socket directory
// goes straight into base as before, and nothing is swept.
//
// A base in which the socket's path would not fit a Unix socket address (a
// deep $TMPDIR, as test runners make) is passed over: the plugin could not
// listen there at all.
func makeSockDir() (string, func(), error) {
	var err error
	for _, base := range socketBases() {
		var dir string
		var release func()
		dir, release, err = makeSockDirIn(base)
		if err != nil {
			continue
		}
		if len(dir)+len(socketName) <= maxSocketPath {
			return dir, release, nil
		}
		release()
		err = fmt.Errorf("the socket path in %s would be longer than the %d bytes a socket address holds", base, maxSocketPath)
	}
	return "", nil, failure.Wrap(failure.Unexpected, err, "cannot create a private directory for the plugin socket: "+err.Error()).
		WithHint("check that $XDG_RUNTIME_DIR or $TMPDIR names a short directory you can write, or unset them")
}

// makeSockDirIn is makeSockDir in one base.
func makeSockDirIn(base string) (string, func(), error) {
	parent := join(base, userDirName(base))
	if ownDir(parent) {
		sweepStale(parent)
		dir, err := os.MkdirTemp(parent, strconv.Itoa(os.Getpid())+"-")
		if err == nil {
			unlock := lockDir(dir)
			return dir, func() {
				_ = os.RemoveAll(dir)
				unlock()
			}, nil
		}
	}
	dir, err := os.MkdirTemp(base, "tfy-secrets-")
	if err != nil {
		return "", nil, err
	}
	return dir, func() { _ = os.RemoveAll(dir) }, nil
}

// ownDir makes dir (0700) if it is missing and reports whether it is a
// directory of this user's, not a symlink, that nobody else can enter.
func ownDir(dir string) bool {
	if err := os.Mkdir(dir, 0o700); err != nil && !os.IsExist(err) {
		return false
	}
	info, err := os.Lstat(dir)
	return err == nil && info.IsDir() && info.Mode().Perm()&0o077 == 0 && ownedByUser(info)
}

// staleHost returns the host pid a socket directory's name starts with.
func staleHost(name string) (int, bool) {
	i := 0
	for i < len(name) && '0' <= name[i] && name[i] <= '9' {
		i++
	}
	if i == 0 || i == len(name) || name[i] != '-' {
		return 0, false
	}
	pid, err := strconv.Atoi(name[:i])
	return pid, err == nil && pid > 0
}
