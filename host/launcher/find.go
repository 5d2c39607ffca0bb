package launcher

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

// The names the launcher looks for. EnvPlugin overrides the search.
const (
	EnvPlugin    = "TFY_SECRETS_PLUGIN"
	PluginBinary = "tfy-secrets-plugin"
	// SumSuffix is appended to the plugin's path to name the file holding
	// its expected SHA-256 (tfy-secrets-plugin.sha256 beside the plugin).
	SumSuffix = ".sha256"
)

// PluginSHA256 is the plugin's expected SHA-256 in hex, fixed at build time
// with
//
//	-ldflags "-X github.com/tfy-secrets/tfy-secrets/host/launcher.PluginSHA256=<hex>"
//
// When it is empty the launcher reads the sum file beside the plugin.
var PluginSHA256 string

// locator holds what the plugin search depends on, so tests can supply it.
type locator struct {
	env      func(string) string
	exe      func() (string, error)
	lookPath func(string) (string, error)
}

var system = locator{env: os.Getenv, exe: os.Executable, lookPath: exec.LookPath}

// find returns the plugin's real path (symlinks resolved): $TFY_SECRETS_PLUGIN,
// else beside the host's own executable, else on PATH. The host's path is
// resolved first because people run it through a `tfy` symlink that lives
// somewhere else.
func (l locator) find() (string, error) {
	if p := l.env(EnvPlugin); p != "" {
		path, err := executable(p)
		if err != nil {
			return "", failure.Wrap(failure.Config, err, fmt.Sprintf("%s=%s is not an executable file", EnvPlugin, p)).
				WithHint("point %s at the tfy-secrets-plugin binary, or unset it", EnvPlugin)
		}
		return path, nil
	}
	if exe, err := l.exe(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			if path, err := executable(filepath.Join(filepath.Dir(real), PluginBinary)); err == nil {
				return path, nil
			}
		}
	}
	if p, err := l.lookPath(PluginBinary); err == nil {
		if path, err := executable(p); err == nil {
			return path, nil
		}
	}
	return "", failure.New(failure.Config, "cannot find %s beside tfy-secrets or on PATH", PluginBinary).
		WithHint("install %s next to tfy-secrets, or set %s to its path", PluginBinary, EnvPlugin)
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

// expectedSum returns the SHA-256 the plugin at path must have: the
// built-in one, else the one in the sum file beside it.
func expectedSum(path string) ([]byte, error) {
	if PluginSHA256 != "" {
		sum, err := ParseSum(PluginSHA256)
		if err != nil {
			return nil, failure.Wrap(failure.Config, err, "this tfy-secrets was built with a malformed plugin checksum").
				WithHint("rebuild with -X ...launcher.PluginSHA256 set to the plugin's sha256sum")
		}
		return sum, nil
	}
	sumPath := path + SumSuffix
	data, err := os.ReadFile(sumPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, failure.Wrap(failure.Config, err, fmt.Sprintf("no checksum for the plugin: %s is missing", sumPath)).
			WithHint("reinstall tfy-secrets, or create it with: sha256sum %s > %s", path, sumPath)
	}
	if err != nil {
		return nil, failure.Wrap(failure.Config, err, fmt.Sprintf("cannot read the plugin checksum %s", sumPath)).
			WithHint("check the file's permissions, or reinstall tfy-secrets")
	}
	sum, err := ParseSum(string(data))
	if err != nil {
		return nil, failure.Wrap(failure.Config, err, fmt.Sprintf("%s: %v", sumPath, err)).
			WithHint("it must hold the plugin's SHA-256 as printed by: sha256sum %s", path)
	}
	return sum, nil
}

// ParseSum reads a SHA-256 written as 64 hex digits, alone or as the first
// field of a sha256sum line ("<hex>  tfy-secrets-plugin"). Only the first
// line counts.
func ParseSum(text string) ([]byte, error) {
	line, _, _ := strings.Cut(text, "\n")
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return nil, errors.New("parse checksum: empty, want 64 hex digits")
	}
	digits := fields[0]
	if len(digits) != 64 {
		return nil, fmt.Errorf("parse checksum: %d characters, want 64 hex digits", len(digits))
	}
	sum, err := hex.DecodeString(digits)
	if err != nil {
		return nil, errors.New("parse checksum: not hexadecimal, want 64 hex digits")
	}
	return sum, nil
}
