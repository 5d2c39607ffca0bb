package opawasm

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
)

// The compilation cache holds machine code the process will jump into, so it
// lives in a directory only this user can write, and nothing in it is
// trusted without a check.
//
// wazero keys each entry by the SHA-256 of the module bytes (after our
// rewrite) and its compile options plus the CPU features, so a changed policy
// never reuses stale code. It also files entries under a directory named after
// its own version (wazero-<version>-<arch>-<os>), but it learns that version
// from the binary's build info, and where that is missing (test binaries,
// some build setups) every wazero calls itself "dev": a binary built with a
// newer wazero would then load machine code compiled for an older one. So
// entries live one level further down, in build-<hash>, where the hash covers
// wazero's version when the build info has it and otherwise the executable's
// path, size and modification time: a rebuilt binary starts a fresh cache. wazero also checksums the executable part of an
// entry, but not the function offsets before it, and it reports a damaged
// entry as a compile error rather than recompiling. So every entry gets a
// sidecar file "<entry>.sum" with a CRC-32C of the whole entry, written after
// wazero stored it (sealCache); when a runtime opens the cache, entries with a
// missing or wrong sum are deleted before wazero can read them (verifyCache).
// The checksum guards against damage (disk errors, torn writes, stray edits),
// not against an attacker, who would need this user's rights anyway.

const sumSuffix = ".sum"

// staleTempAge is how old a wazero temporary file must be before it is taken
// for the leftover of a crashed process rather than another one's write.
const staleTempAge = 10 * time.Minute

// staleBuildAge is how long another build's cache is kept unused.
const staleBuildAge = 30 * 24 * time.Hour

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ownedByUser is fileOwnedByUser; tests replace it to exercise the refusal
// of a directory owned by someone else without needing a second account.
var ownedByUser = fileOwnedByUser

// defaultCacheDir is $XDG_CACHE_HOME/tfy-secrets/wazero, else
// ~/.cache/tfy-secrets/wazero.
func defaultCacheDir() (string, error) {
	base := os.Getenv("XDG_CACHE_HOME")
	if !filepath.IsAbs(base) {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find home directory: %w", err)
		}
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "tfy-secrets", "wazero"), nil
}

// openCacheDir makes dir ("" for the default) ready: created 0700 if
// missing, refused if it is a symlink or belongs to someone else, emptied and
// re-protected if others could write to it (they may have planted code), and
// made 0700 if others could read it.
// It returns the directory and this build's subdirectory in it.
func openCacheDir(dir string) (top, build string, err error) {
	if dir == "" {
		if dir, err = defaultCacheDir(); err != nil {
			return "", "", err
		}
	}
	if top, err = filepath.Abs(dir); err != nil {
		return "", "", fmt.Errorf("cache directory: %w", err)
	}
	if err := ensurePrivateDir(top); err != nil {
		return "", "", err
	}
	key, err := buildKey()
	if err != nil {
		return "", "", err
	}
	pruneOtherBuilds(top, key)
	build = filepath.Join(top, key)
	if err := ensurePrivateDir(build); err != nil {
		return "", "", err
	}
	verifyCache(build)
	return top, build, nil
}

// buildKey names the cache subdirectory for this build of wazero.
func buildKey() (string, error) {
	h := sha256.New()
	if v := wazeroVersion(); v != "" {
		fmt.Fprintf(h, "wazero %s\n", v)
	} else {
		exe, err := os.Executable()
		if err != nil {
			return "", fmt.Errorf("identify wazero build: %w", err)
		}
		fi, err := os.Stat(exe)
		if err != nil {
			return "", fmt.Errorf("identify wazero build: %w", err)
		}
		fmt.Fprintf(h, "exe %s %d %d\n", exe, fi.Size(), fi.ModTime().UnixNano())
	}
	fmt.Fprintf(h, "%s %s\n", runtime.GOARCH, runtime.GOOS)
	return "build-" + hex.EncodeToString(h.Sum(nil)[:8]), nil
}

// wazeroVersion is wazero's module version from the build info, "" if absent.
func wazeroVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, d := range info.Deps {
		if d.Path == "github.com/tetratelabs/wazero" {
			if d.Replace != nil {
				return "" // a local replacement can change without a new version
			}
			return d.Version
		}
	}
	return ""
}

// pruneOtherBuilds deletes caches of other builds unused for a while, so
// upgrades do not pile up old machine code forever.
func pruneOtherBuilds(dir, keep string) {
	builds, _ := os.ReadDir(dir)
	for _, b := range builds {
		if b.Name() == keep || !strings.HasPrefix(b.Name(), "build-") {
			continue
		}
		if fi, err := b.Info(); err == nil && time.Since(fi.ModTime()) > staleBuildAge {
			_ = os.RemoveAll(filepath.Join(dir, b.Name()))
		}
	}
}

func ensurePrivateDir(dir string) error {
	fi, err := os.Lstat(dir)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create cache directory: %w", err)
		}
		fi, err = os.Lstat(dir)
	}
	if err != nil {
		return fmt.Errorf("cache directory: %w", err)
	}
	switch {
	case fi.Mode()&os.ModeSymlink != 0:
		return fmt.Errorf("cache directory %s is a symlink; refusing to use it", dir)
	case !fi.IsDir():
		return fmt.Errorf("cache directory %s is not a directory", dir)
	case !ownedByUser(fi):
		return fmt.Errorf("cache directory %s belongs to another user; refusing to use it", dir)
	case fi.Mode().Perm()&0o022 != 0:
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("protect cache directory: %w", err)
		}
		purgeCache(dir)
	case fi.Mode().Perm()&0o077 != 0:
		// Readable by others but not writable: nothing could have been
		// planted, so tightening is enough.
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("protect cache directory: %w", err)
		}
	}
	return nil
}

// purgeCache deletes everything inside dir, keeping dir itself.
func purgeCache(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		_ = os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}

// purgeEntries deletes every file of a build's cache but keeps the
// directories wazero created and still holds open by name.
func purgeEntries(build string) {
	cacheEntries(build, func(path string, _ os.FileInfo) { _ = os.Remove(path) })
}

// cacheEntries calls fn for every regular file in the wazero version
// directories under dir. Anything that is not a plain file or directory
// (a symlink, a device) is removed on sight: wazero would follow it.
func cacheEntries(dir string, fn func(path string, fi os.FileInfo)) {
	versions, _ := os.ReadDir(dir)
	for _, v := range versions {
		vpath := filepath.Join(dir, v.Name())
		if !v.IsDir() {
			if v.Type()&os.ModeSymlink != 0 {
				_ = os.Remove(vpath)
			}
			continue
		}
		files, _ := os.ReadDir(vpath)
		for _, f := range files {
			path := filepath.Join(vpath, f.Name())
			if !f.Type().IsRegular() {
				_ = os.RemoveAll(path)
				continue
			}
			if fi, err := f.Info(); err == nil {
				fn(path, fi)
			}
		}
	}
}

// verifyCache deletes entries whose sidecar checksum is missing or wrong,
// orphaned sidecars, and stale temporary files.
func verifyCache(dir string) {
	cacheEntries(dir, func(path string, fi os.FileInfo) {
		switch {
		case strings.HasSuffix(path, ".tmp"):
			if time.Since(fi.ModTime()) > staleTempAge {
				_ = os.Remove(path)
			}
		case strings.HasSuffix(path, sumSuffix):
			if _, err := os.Lstat(strings.TrimSuffix(path, sumSuffix)); err != nil {
				_ = os.Remove(path)
			}
		default:
			want, err := os.ReadFile(path + sumSuffix)
			if err == nil {
				got, err := fileSum(path)
				if err == nil && got == string(want) {
					return
				}
			}
			_ = os.Remove(path)
			_ = os.Remove(path + sumSuffix)
		}
	})
}

// sealCache writes a sidecar checksum for every entry that lacks one. It runs
// right after wazero stored a fresh entry, whose content is therefore known
// good (wazero writes to a temporary file and renames it into place).
func sealCache(dir string) {
	cacheEntries(dir, func(path string, _ os.FileInfo) {
		if strings.HasSuffix(path, ".tmp") || strings.HasSuffix(path, sumSuffix) {
			return
		}
		if _, err := os.Lstat(path + sumSuffix); err == nil {
			return
		}
		sum, err := fileSum(path)
		if err != nil {
			return
		}
		tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".sum.*.tmp")
		if err != nil {
			return
		}
		_, werr := tmp.WriteString(sum)
		if cerr := tmp.Close(); werr != nil || cerr != nil {
			_ = os.Remove(tmp.Name())
			return
		}
		if err := os.Rename(tmp.Name(), path+sumSuffix); err != nil {
			_ = os.Remove(tmp.Name())
		}
	})
}

// fileSum is the sidecar content for the file at path: its size and CRC-32C.
func fileSum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := crc32.New(castagnoli)
	n, err := io.Copy(h, f)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("crc32c %08x %d\n", h.Sum32(), n), nil
}
