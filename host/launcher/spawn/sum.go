package spawn

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
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
//	-ldflags "-X github.com/tfy-secrets/tfy-secrets/host/launcher/spawn.PluginSHA256=<hex>"
//
// When it is empty the launcher reads the sum file beside the plugin.
var PluginSHA256 string

// expectedSum returns the SHA-256 the plugin at path must have: the
// built-in one, else the one in the sum file beside it.
func expectedSum(path string) ([]byte, error) {
	if PluginSHA256 != "" {
		sum, err := ParseSum(PluginSHA256)
		if err != nil {
			return nil, failure.Wrap(failure.Config, err, "this tfy-secrets was built with a malformed plugin checksum").
				WithHint("rebuild with -X ...spawn.PluginSHA256 set to the plugin's sha256sum")
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
