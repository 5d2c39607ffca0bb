package opawasm

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The compilation cache holds machine code the process will jump into, so it
// lives in a directory only this user can write, and nothing in it is
// trusted without a check.
//
// wazero already keys each entry by the SHA-256 of the module bytes plus the
// CPU features, and writes entries under a directory named after its own
// version (wazero-<version>-<arch>-<os>), so a changed policy or a new wazero
// never reuses stale code. wazero also checksums the executable part of an
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

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

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
// missing, refused if it is a symlink or belongs to someone else, and emptied
// and re-protected if others could write to it (they may have planted code).
func openCacheDir(dir string) (string, error) {
	if dir == "" {
		d, err := defaultCacheDir()
		if err != nil {
			return "", err
		}
		if err := os.MkdirAll(filepath.Dir(d), 0o700); err != nil {
			return "", fmt.Errorf("create cache directory: %w", err)
		}
		dir = d
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("cache directory: %w", err)
	}
	if err := ensurePrivateDir(dir); err != nil {
		return "", err
	}
	verifyCache(dir)
	return dir, nil
}

func ensurePrivateDir(dir string) error {
	fi, err := os.Lstat(dir)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.Mkdir(dir, 0o700); err != nil {
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
	case fi.Mode().Perm()&0o077 != 0:
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("protect cache directory: %w", err)
		}
		purgeCache(dir)
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
