package spawn

import (
	"fmt"
	"io/fs"
	"os"
	"strings"
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
// file that was verified, and a release function to call once the child
// has started. The name is a symbolic link in dir (the launcher's private
// directory) to /proc/self/fd/N, N a close-on-exec duplicate of f: the
// child resolves it in its own descriptor table, which still holds N at
// execve. Going through a link named like the plugin keeps the process's
// name (ps, top, pgrep) and go-plugin's log names "tfy-secrets-plugin"
// rather than "N". Without /proc it falls back to the path.
func execTarget(f *os.File, path, dir string) (name string, release func()) {
	fd, _, errno := syscall.Syscall(syscall.SYS_FCNTL, f.Fd(), syscall.F_DUPFD_CLOEXEC, minExecFD)
	if errno != 0 {
		return path, func() {}
	}
	dup := os.NewFile(fd, path)
	target := fmt.Sprintf("/proc/self/fd/%d", fd)
	name = join(dir, path[strings.LastIndexByte(path, os.PathSeparator)+1:])
	if _, err := os.Stat(target); err != nil || os.Symlink(target, name) != nil {
		_ = dup.Close()
		return path, func() {}
	}
	return name, func() {
		_ = os.Remove(name)
		_ = dup.Close()
	}
}

// warmProcessStart runs Go's one-time check of pidfd support, which forks
// and reaps a throwaway child (~1 ms here), so that it happens while the
// launcher verifies the plugin and makes certificates rather than in front
// of the plugin's own start. os.FindProcess triggers it; the handle is not
// needed.
func warmProcessStart() {
	if p, err := os.FindProcess(os.Getpid()); err == nil {
		_ = p.Release()
	}
}

// tmpfsMagic is the f_type statfs reports for a tmpfs.
const tmpfsMagic = 0x01021994

// sharedMemoryDir reports whether dir is a memory file system (tmpfs) that
// everyone may create entries in, with the sticky bit that keeps them from
// removing each other's, like /tmp.
func sharedMemoryDir(dir string) bool {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil || st.Type != tmpfsMagic {
		return false
	}
	info, err := os.Stat(dir)
	return err == nil && info.IsDir() && info.Mode()&os.ModeSticky != 0 && info.Mode().Perm()&0o002 != 0
}
