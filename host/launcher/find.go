package launcher

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/tfy-secrets/tfy-secrets/host/launcher/spawn"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

// locator holds what the plugin search depends on, so tests can supply it.
type locator struct {
	getenv     func(string) string
	executable func() (string, error)
	lookPath   func(string) (string, error)
}

var system = locator{getenv: os.Getenv, executable: os.Executable, lookPath: exec.LookPath}

// find returns the plugin's real path (symlinks resolved): $TFY_SECRETS_PLUGIN,
// else beside the host's own executable, else on PATH. The host's path is
// resolved first because people run it through a `tfy` symlink that lives
// somewhere else.
func (l locator) find() (string, error) {
	if p := l.getenv(spawn.EnvPlugin); p != "" {
		path, err := executable(p)
		if err != nil {
			return "", failure.Wrap(failure.Config, err, fmt.Sprintf("%s=%s is not an executable file", spawn.EnvPlugin, p)).
				WithHint("point %s at the tfy-secrets-plugin binary, or unset it", spawn.EnvPlugin)
		}
		return path, nil
	}
	if exe, err := l.executable(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			if path, err := executable(filepath.Join(filepath.Dir(real), spawn.PluginBinary)); err == nil {
				return path, nil
			}
		}
	}
	if p, err := l.lookPath(spawn.PluginBinary); err == nil {
		if path, err := executable(p); err == nil {
			return path, nil
		}
	}
	return "", failure.New(failure.Config, "cannot find %s beside tfy-secrets or on PATH", spawn.PluginBinary).
		WithHint("install %s next to tfy-secrets, or set %s to its path", spawn.PluginBinary, spawn.EnvPlugin)
}

// executable resolves symlinks and checks that p is a regular file someone
// may execute.
func executable(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", p, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", p, err)
	}
	info, err := os.Stat(real)
	if err != nil {
		return "", fmt.Errorf("stat %s: %w", real, err)
	}
	if !info.Mode().IsRegular() || info.Mode().Perm()&0o111 == 0 {
		return "", fmt.Errorf("stat %s: %w", real, fs.ErrPermission)
	}
	return real, nil
}
