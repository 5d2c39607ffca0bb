package spawn

import (
	"errors"
	"os"
	"syscall"
)

// maxSocketPath is the longest path a Unix socket address holds on Linux:
// 108 bytes, less the terminating NUL.
const maxSocketPath = 107

// lockDir holds a shared flock on dir until the returned function runs
// (or the host dies, when the kernel drops it). The descriptor is
// close-on-exec, so the plugin does not hold it.
func lockDir(dir string) func() {
	f, err := os.Open(dir)
	if err != nil {
		return func() {}
	}
	if syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB) != nil {
		_ = f.Close()
		return func() {}
	}
	return func() { _ = f.Close() }
}

// sweepStale removes the socket directories in parent that belong to no
// running command: named <pid>-..., owned by this user, nobody holding its
// lock, and no process with that pid. The pid covers the moment between
// another command's MkdirTemp and its lockDir, when its directory is not
// locked yet but its host runs; the lock covers a host in another pid
// namespace (containers sharing /tmp), whose pid means nothing here. A
// directory whose pid was reused by another process is kept, which errs
// on the safe side. Two commands sweeping at once remove the same
// directory at most twice, which RemoveAll allows. It costs a directory
// read and, per other command running, an open and a flock: microseconds.
func sweepStale(parent string) {
	d, err := os.Open(parent)
	if err != nil {
		return
	}
	names, _ := d.Readdirnames(-1)
	_ = d.Close()
	self := os.Getpid()
	for _, name := range names {
		pid, ok := staleHost(name)
		if !ok || pid == self {
			continue
		}
		dir := join(parent, name)
		info, err := os.Lstat(dir)
		if err != nil || !info.IsDir() || !ownedByUser(info) {
			continue
		}
		f, err := os.Open(dir)
		if err != nil {
			continue
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil && !running(pid) {
			_ = os.RemoveAll(dir)
		}
		_ = f.Close()
	}
}

// running reports whether a process with this pid exists; one of another
// user's (EPERM) counts.
func running(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
