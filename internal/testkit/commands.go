package testkit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

// EnvPrebuilt names a directory of binaries already built from this tree
// (by `make build`): Commands copies them instead of building, which saves
// a minute when iterating on the tests themselves.
const EnvPrebuilt = "TFY_E2E_PREBUILT"

const module = "github.com/tfy-secrets/tfy-secrets"

// commands is the one directory of built commands in this test process.
var commands struct {
	mu    sync.Mutex
	dir   string
	built []string
}

// Commands returns the directory that holds the named commands of the
// module (tfy-secrets, tfy-secrets-plugin, tfy-emulator, ...: cmd/NAME),
// laid out as `make install` does: the plugin's sha256sum line beside it,
// and a `tfy` symlink to the host. Each command is built at most once per
// test process, without cgo and with the GOFLAGS of the `go test` that runs
// the tests, so they test what `make build` ships; concurrent callers wait
// for one build. With TFY_E2E_PREBUILT set they are copied from there.
//
// A package that calls it removes the directory at the end with Run.
func Commands(names ...string) (string, error) {
	commands.mu.Lock()
	defer commands.mu.Unlock()
	if commands.dir == "" {
		dir, err := os.MkdirTemp("", "tfy-testkit-bin-")
		if err != nil {
			return "", err
		}
		commands.dir = dir
	}
	var missing []string
	for _, name := range names {
		if !slices.Contains(commands.built, name) && !slices.Contains(missing, name) {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return commands.dir, nil
	}
	if err := place(commands.dir, missing); err != nil {
		if len(commands.built) == 0 {
			_ = os.RemoveAll(commands.dir)
			commands.dir = ""
		}
		return "", err
	}
	commands.built = append(commands.built, missing...)
	return commands.dir, nil
}

// place builds or copies the commands into dir and completes the layout.
func place(dir string, names []string) error {
	if pre := os.Getenv(EnvPrebuilt); pre != "" {
		for _, name := range names {
			data, err := os.ReadFile(filepath.Join(pre, name))
			if err != nil {
				return fmt.Errorf("copy prebuilt binaries (%s): %w", EnvPrebuilt, err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o755); err != nil {
				return fmt.Errorf("copy prebuilt binaries: %w", err)
			}
		}
	} else {
		args := []string{"build", "-trimpath", "-o", dir + string(os.PathSeparator)}
		for _, name := range names {
			args = append(args, module+"/cmd/"+name)
		}
		build := exec.Command("go", args...)
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build %v: %w", names, err)
		}
	}
	for _, name := range names {
		switch name {
		case "tfy-secrets-plugin":
			// A host built without -X ...PluginSHA256 reads the sum file.
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			if err := os.WriteFile(filepath.Join(dir, name+".sha256"), []byte(hex.EncodeToString(sum[:])+"  "+name+"\n"), 0o644); err != nil {
				return err
			}
		case "tfy-secrets":
			if err := os.Symlink(filepath.Join(dir, name), filepath.Join(dir, "tfy")); err != nil {
				return err
			}
		}
	}
	return nil
}

// Run runs the tests and then removes the directory Commands made, if it
// made one; a TestMain ends with os.Exit(testkit.Run(m)).
func Run(m *testing.M) int {
	code := m.Run()
	commands.mu.Lock()
	defer commands.mu.Unlock()
	if commands.dir != "" {
		_ = os.RemoveAll(commands.dir)
	}
	return code
}
