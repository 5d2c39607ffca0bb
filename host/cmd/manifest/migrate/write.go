package migrate

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// fileOps are the file operations of the rewrite. Tests replace them to
// fail at each step and check that the manifest is never half-written.
type fileOps struct {
	createTemp func(dir, pattern string) (*os.File, error)
	write      func(f *os.File, b []byte) (int, error)
	rename     func(from, to string) error
}

var osFiles = fileOps{createTemp: os.CreateTemp, write: (*os.File).Write, rename: os.Rename}

// backupMode is the mode of FILE.bak: it holds the plaintext credentials
// the rewrite took out, so only the owner may read it, whatever the
// manifest's own mode.
const backupMode fs.FileMode = 0o600

// rewrite replaces the manifest at path, which held orig when it was read,
// with data: atomically (a temporary file in the same directory, with the
// manifest's mode, synced, then renamed over it), so that at every moment
// the path holds either all of the old bytes or all of the new ones. With
// backup, path.bak is written first, the same way, with mode 0600. A
// manifest that changed since it was read is left alone. It returns the
// path of the backup, if any.
func (ops fileOps) rewrite(path string, orig, data []byte, backup bool) (string, error) {
	// Through a symbolic link the target is rewritten: a rename over the
	// link would replace it with a file.
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", path, err)
	}
	info, err := os.Stat(real)
	if err != nil {
		return "", err
	}
	if !info.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", path)
	}
	now, err := os.ReadFile(real)
	if err != nil {
		return "", err
	}
	if !bytes.Equal(now, orig) {
		return "", fmt.Errorf("%s changed while it was being migrated; it was left as it is", path)
	}
	bak := ""
	if backup {
		bak = real + ".bak"
		if err := ops.replace(bak, orig, backupMode); err != nil {
			return "", fmt.Errorf("write the backup %s: %w", bak, err)
		}
	}
	if err := ops.replace(real, data, info.Mode().Perm()); err != nil {
		return bak, err
	}
	return bak, nil
}

// replace writes data to path through a synced temporary file renamed over
// it, and syncs the directory so that the rename survives a crash.
func (ops fileOps) replace(path string, data []byte, mode fs.FileMode) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := ops.createTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(mode); err != nil {
		return err
	}
	n, err := ops.write(tmp, data)
	if err == nil && n != len(data) {
		err = errors.New("short write")
	}
	if err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := ops.rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
