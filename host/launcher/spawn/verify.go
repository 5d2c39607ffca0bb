package spawn

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

// How a plugin binary was verified, for --debug.
const (
	verifiedByHash   = "sha256 computed"
	verifiedByRecord = "sha256 computed earlier for this very file (device, inode, size, mtime and ctime unchanged)"
)

// maxRecordBytes bounds a verification record read from disk; a real one
// is about 80 bytes.
const maxRecordBytes = 256

// verify opens the plugin at path and checks that it is the binary whose
// SHA-256 is want. It returns the open file, which is what the launcher
// executes (see execPath), so the file checked is the file run even if
// someone swaps the path in between.
//
// Hashing the plugin costs ~1 ms per MiB on every start, more than the
// rest of a short command. So after a successful hash the launcher writes a
// record into the user's private cache directory: the file's identity
// (device, inode, size, modification and change times), under the expected
// sum's name. A later start whose open file has exactly that identity has
// not been written to, replaced or re-linked since it was hashed (each of
// those changes the inode or the change time, which no unprivileged process
// can set back), so the hash is not repeated. Records are trusted only in a
// directory and file owned by the user and closed to others; anything else
// means hashing every time. Someone who can write the user's own cache
// directory can already change what the user runs (their shell startup
// files, PATH), so the record does not widen what the sum protects against:
// a plugin replaced or corrupted by anyone else.
func verify(path string, want []byte) (f *os.File, how string, err error) {
	f, err = os.Open(path)
	if err != nil {
		return nil, "", failure.Wrap(failure.Config, err, fmt.Sprintf("cannot open the plugin %s", path)).
			WithHint("check the file's permissions, or reinstall tfy-secrets")
	}
	defer func() {
		if err != nil {
			_ = f.Close()
		}
	}()
	info, err := f.Stat()
	if err != nil {
		return nil, "", failure.Wrap(failure.Config, err, fmt.Sprintf("cannot inspect the plugin %s", path))
	}
	id := fileIdentity(info)
	records := ""
	if id != nil {
		records = recordDir()
	}
	if records != "" && recordMatches(join(records, hex.EncodeToString(want)), id) {
		return f, verifiedByRecord, nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, "", failure.Wrap(failure.Config, err, fmt.Sprintf("cannot read the plugin %s", path))
	}
	if !bytes.Equal(h.Sum(nil), want) {
		return nil, "", failure.New(failure.Config, "refusing to run %s: its SHA-256 does not match the expected checksum", path).
			WithHint("%s", mismatchHint(path, PluginSHA256 != ""))
	}
	if records != "" {
		writeRecord(records, hex.EncodeToString(want), id)
	}
	return f, verifiedByHash, nil
}

// mismatchHint says how to get a plugin the host will run. A sum fixed into
// the host at build time matches only the plugin of that same build, so
// nothing but reinstalling both helps; without one, the host trusts the sum
// file beside the plugin, which a self-built plugin may rewrite.
func mismatchHint(path string, builtIn bool) string {
	if builtIn {
		return "this tfy-secrets runs only the plugin built with it: reinstall tfy-secrets and " + PluginBinary +
			" together from one build (make install)"
	}
	return fmt.Sprintf("reinstall tfy-secrets and %s together from one build (make install); "+
		"if you rebuilt the plugin yourself, record its new sum: sha256sum %s > %s%s", PluginBinary, path, path, SumSuffix)
}

// recordMatches reports whether the record at name holds exactly id. The
// record must be a regular file of ours that nobody else can write.
func recordMatches(name string, id []byte) bool {
	info, err := os.Lstat(name)
	if err != nil || !info.Mode().IsRegular() || info.Mode().Perm()&0o022 != 0 || !ownedByUser(info) {
		return false
	}
	rf, err := os.Open(name)
	if err != nil {
		return false
	}
	defer rf.Close()
	got, err := io.ReadAll(io.LimitReader(rf, maxRecordBytes+1))
	return err == nil && bytes.Equal(got, id)
}

// recordMaxAge is how long records of other plugin builds are kept: each
// upgrade or rebuild leaves one behind.
const recordMaxAge = 30 * 24 * time.Hour

// writeRecord stores id as the record for sum, atomically: a reader sees
// the old record, the new one or none, never a torn one. Failing to write
// only means hashing again next time. Writing is rare (after a hash), so
// that is when records older than recordMaxAge are removed.
func writeRecord(dir, sum string, id []byte) {
	if entries, err := os.ReadDir(dir); err == nil {
		for _, e := range entries {
			if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > recordMaxAge {
				_ = os.Remove(join(dir, e.Name()))
			}
		}
	}
	tmp, err := os.CreateTemp(dir, ".record-*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(id)
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil || os.Rename(tmp.Name(), join(dir, sum)) != nil {
		_ = os.Remove(tmp.Name())
	}
}

// recordDir is the private directory holding verification records,
// created 0700 if missing; "" when there is none we can trust.
func recordDir() string {
	base, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	dir := join(base, "tfy-secrets", "plugin-verified")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return ""
	}
	info, err := os.Lstat(dir)
	if err != nil || !info.IsDir() || info.Mode().Perm()&0o077 != 0 || !ownedByUser(info) {
		return ""
	}
	return dir
}

// join joins path elements with the separator. The package does without
// path/filepath, which Go initialises too late for Prestart (see
// cmd/tfy-secrets/internal/prestart); its elements here are clean already.
func join(elem ...string) string {
	return strings.Join(elem, string(os.PathSeparator))
}
