package launcher

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// fileIdentity is what changes whenever a file's content can have changed:
// a write updates mtime and ctime, a replacement or new link changes the
// inode or ctime, and ctime cannot be set back by an unprivileged process.
func fileIdentity(info fs.FileInfo) []byte {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	return fmt.Appendf(nil, "tfy-secrets plugin v1 dev=%d ino=%d size=%d mtime=%d.%09d ctime=%d.%09d\n",
		st.Dev, st.Ino, st.Size, st.Mtim.Sec, st.Mtim.Nsec, st.Ctim.Sec, st.Ctim.Nsec)
}

func ownedByUser(info fs.FileInfo) bool {
	st, ok := info.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Getuid()
}

// minExecFD keeps the descriptor the plugin is executed through clear of
// the ones os/exec arranges in the child (0-2, ExtraFiles from 3, and a
// few it moves out of their way), so it is still ours at execve.
const minExecFD = 64

// execTarget returns the name to execute so that the kernel runs the very
// file that was verified: /proc/self/fd/N of a close-on-exec duplicate,
// which the caller closes once the child has started. Without /proc it
// falls back to the path.
func execTarget(f *os.File, path string) (name string, keep *os.File) {
	fd, _, errno := syscall.Syscall(syscall.SYS_FCNTL, f.Fd(), syscall.F_DUPFD_CLOEXEC, minExecFD)
	if errno != 0 {
		return path, nil
	}
	dup := os.NewFile(fd, path)
	name = fmt.Sprintf("/proc/self/fd/%d", fd)
	if _, err := os.Stat(name); err != nil {
		_ = dup.Close()
		return path, nil
	}
	return name, dup
}
