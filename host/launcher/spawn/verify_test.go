//go:build linux

package spawn

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

// copyPlugin puts a copy of an executable (this test binary), with its
// sum, in a fresh directory and returns the copy's path and expected sum.
func copyPlugin(t *testing.T) (string, []byte) {
	t.Helper()
	data, err := os.ReadFile(testBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), PluginBinary)
	if err := os.WriteFile(path, data, 0o755); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return path, sum[:]
}

// privateCache points the user cache at a fresh directory for one test.
func privateCache(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", dir)
	return filepath.Join(dir, "tfy-secrets", "plugin-verified")
}

func mustVerify(t *testing.T, path string, sum []byte, wantHow string) {
	t.Helper()
	f, how, err := verify(path, sum)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	_ = f.Close()
	if how != wantHow {
		t.Fatalf("verified by %q, want %q", how, wantHow)
	}
}

func TestVerifyHashesOnceThenTrustsTheRecord(t *testing.T) {
	records := privateCache(t)
	path, sum := copyPlugin(t)
	mustVerify(t, path, sum, verifiedByHash)

	rec := filepath.Join(records, hex.EncodeToString(sum))
	info, err := os.Stat(rec)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("record %s: %v, mode %v; want 0600", rec, err, info.Mode())
	}
	if dir, err := os.Stat(records); err != nil || dir.Mode().Perm() != 0o700 {
		t.Fatalf("record dir: %v, mode %v; want 0700", err, dir.Mode())
	}
	body, _ := os.ReadFile(rec)
	if !bytes.HasPrefix(body, []byte("tfy-secrets plugin v1 dev=")) {
		t.Fatalf("record = %q", body)
	}
	mustVerify(t, path, sum, verifiedByRecord)
	mustVerify(t, path, sum, verifiedByRecord)
}

func TestVerifyRefusesAChangedFileDespiteItsRecord(t *testing.T) {
	privateCache(t)
	path, sum := copyPlugin(t)
	mustVerify(t, path, sum, verifiedByHash)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}

	// Same size, one byte changed, modification time put back: only the
	// change time (and the content) differ from what was recorded.
	data, _ := os.ReadFile(path)
	data[len(data)/2] ^= 0xff
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(data[len(data)/2:len(data)/2+1], int64(len(data)/2)); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	if err := os.Chtimes(path, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	_, _, err = verify(path, sum)
	if fl := failure.As(err); fl.Kind != failure.Config || !strings.Contains(fl.Message, "SHA-256 does not match") {
		t.Fatalf("tampered in place: %v", err)
	}

	// Replaced by another file of the same size and times.
	other := path + ".new"
	data[len(data)/2] ^= 0xff // the original bytes again, but a new inode
	data[0] ^= 0xff
	if err := os.WriteFile(other, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(other, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(other, path); err != nil {
		t.Fatal(err)
	}
	if _, _, err := verify(path, sum); failure.As(err).Kind != failure.Config {
		t.Fatalf("replaced file: %v", err)
	}
}

func TestVerifyDoesNotTrustRecordsOthersCouldWrite(t *testing.T) {
	records := privateCache(t)
	path, sum := copyPlugin(t)
	mustVerify(t, path, sum, verifiedByHash)
	rec := filepath.Join(records, hex.EncodeToString(sum))

	if err := os.Chmod(rec, 0o622); err != nil {
		t.Fatal(err)
	}
	mustVerify(t, path, sum, verifiedByHash) // and rewrites it privately
	mustVerify(t, path, sum, verifiedByRecord)

	if err := os.Chmod(records, 0o777); err != nil {
		t.Fatal(err)
	}
	mustVerify(t, path, sum, verifiedByHash)
	mustVerify(t, path, sum, verifiedByHash)
	if err := os.Chmod(records, 0o700); err != nil {
		t.Fatal(err)
	}

	// A damaged or foreign record is just a miss.
	for _, body := range []string{"", "garbage\n", strings.Repeat("x", 4096)} {
		if err := os.WriteFile(rec, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		mustVerify(t, path, sum, verifiedByHash)
	}
	// A symlink in place of the record is not followed.
	target := filepath.Join(t.TempDir(), "target")
	body, _ := os.ReadFile(rec)
	if err := os.WriteFile(target, body, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(rec); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, rec); err != nil {
		t.Fatal(err)
	}
	mustVerify(t, path, sum, verifiedByHash)
}

func TestVerifyRecordIsPerExpectedSum(t *testing.T) {
	privateCache(t)
	path, sum := copyPlugin(t)
	mustVerify(t, path, sum, verifiedByHash)
	wrong := bytes.Clone(sum)
	wrong[0] ^= 1
	if _, _, err := verify(path, wrong); failure.As(err).Kind != failure.Config {
		t.Fatalf("a record for one sum vouched for another: %v", err)
	}
}

func TestVerifyUnreadablePlugin(t *testing.T) {
	privateCache(t)
	_, _, err := verify(filepath.Join(t.TempDir(), "missing"), make([]byte, 32))
	if f := failure.As(err); f.Kind != failure.Config || !errors.Is(err, os.ErrNotExist) || f.Hint == "" {
		t.Fatalf("missing plugin: %v (kind %s)", err, f.Kind)
	}
}

// The name execTarget returns runs the file that was opened, not whatever
// the path names by the time the child starts.
func TestExecTargetRunsTheOpenedFile(t *testing.T) {
	dir := t.TempDir()
	copyBin := func(name, to string) {
		src, err := exec.LookPath(name)
		if err != nil {
			t.Fatalf("need %s: %v", name, err)
		}
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "plugin")
	copyBin("true", path)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	private := t.TempDir()
	name, release := execTarget(f, path, private)
	defer release()
	if name != filepath.Join(private, "plugin") {
		t.Fatalf("execTarget = %q; want a link in the private directory", name)
	}
	if target, err := os.Readlink(name); err != nil || !strings.HasPrefix(target, "/proc/self/fd/") {
		t.Fatalf("link %s -> %q, %v; want /proc/self/fd/N", name, target, err)
	}

	copyBin("false", path+".swap")
	if err := os.Rename(path+".swap", path); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(name)
	cmd.Args[0] = path
	done := make(chan error, 1)
	go func() { done <- cmd.Run() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ran the swapped-in file, not the opened one: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("child did not finish")
	}
	// The swapped-in file is what the path runs now.
	if err := exec.Command(path).Run(); err == nil {
		t.Fatal("the path still runs true; the swap did not happen")
	}
	release()
	if _, err := os.Lstat(name); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("release left the link behind: %v", err)
	}
}

// benchPluginSize is about the size of the real plugin binary.
const benchPluginSize = 18 << 20

// BenchmarkVerify measures the check Start runs before every launch, on a
// file the size of the real plugin: hashing it, as on a first start or
// after the file changed, and trusting the record.
func BenchmarkVerify(b *testing.B) {
	path := filepath.Join(b.TempDir(), PluginBinary)
	data := make([]byte, benchPluginSize)
	for i := range data {
		data[i] = byte(i * 2654435761 >> 13)
	}
	if err := os.WriteFile(path, data, 0o755); err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256(data)
	sum := digest[:]
	b.Setenv("XDG_CACHE_HOME", b.TempDir())
	run := func(b *testing.B, want string, before func()) {
		for b.Loop() {
			before()
			f, how, err := verify(path, sum)
			if err != nil || how != want {
				b.Fatal(how, err)
			}
			_ = f.Close()
		}
	}
	rec := filepath.Join(recordDir(), hex.EncodeToString(sum))
	b.Run("sha256", func(b *testing.B) { run(b, verifiedByHash, func() { _ = os.Remove(rec) }) })
	b.Run("record", func(b *testing.B) { run(b, verifiedByRecord, func() {}) })
}

func TestVerifyPrunesOldRecords(t *testing.T) {
	records := privateCache(t)
	path, sum := copyPlugin(t)
	if err := os.MkdirAll(records, 0o700); err != nil {
		t.Fatal(err)
	}
	old, recent := filepath.Join(records, strings.Repeat("a", 64)), filepath.Join(records, strings.Repeat("b", 64))
	for _, p := range []string{old, recent} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-recordMaxAge - time.Hour)
	if err := os.Chtimes(old, long, long); err != nil {
		t.Fatal(err)
	}
	mustVerify(t, path, sum, verifiedByHash)
	if _, err := os.Stat(old); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a record older than %v survived: %v", recordMaxAge, err)
	}
	if _, err := os.Stat(recent); err != nil {
		t.Fatalf("a recent record of another build was removed: %v", err)
	}
	mustVerify(t, path, sum, verifiedByRecord)
}
