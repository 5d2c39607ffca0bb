package opawasm

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

var cacheTestModules = map[string]string{"p.rego": `package p
x := sprintf("%v", [input.a])
`}

// loadAndCheck opens a runtime on dir, loads wasm and checks one decision.
func loadAndCheck(t *testing.T, dir string, wasm []byte) *Runtime {
	t.Helper()
	ctx := context.Background()
	r, err := NewRuntime(ctx, RuntimeOptions{CacheDir: dir})
	if err != nil {
		t.Fatalf("NewRuntime: %v", err)
	}
	t.Cleanup(func() { _ = r.Close(ctx) })
	p, err := r.Load(ctx, wasm, nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	got, err := p.Eval(ctx, "p/x", []byte(`{"a": [1]}`))
	if err != nil || string(got) != `"[1]"` {
		t.Fatalf("Eval = %s, %v; want \"[1]\"", got, err)
	}
	return r
}

// wazeroDir is the version directory wazero keeps its entries in: the one
// wazero-* directory in the one build-* directory.
func wazeroDir(t *testing.T, dir string) string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(dir, "build-*", "wazero-*-"+runtime.GOARCH+"-"+runtime.GOOS))
	if err != nil || len(dirs) != 1 {
		t.Fatalf("wazero directories in %s: %v, %v; want exactly one", dir, dirs, err)
	}
	return dirs[0]
}

// entries lists the cache entries (not sums) in the wazero directory.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(wazeroDir(t, dir), "*"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range names {
		if !strings.HasSuffix(n, sumSuffix) {
			out = append(out, n)
		}
	}
	return out
}

func TestCacheDirIsPrivateAndKeyedByModule(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "nested", "cache")
	wasm := mustCompile(t, cacheTestModules, "p/x")
	r := loadAndCheck(t, dir, wasm)
	if r.CacheDir() != dir || r.CacheError() != nil {
		t.Fatalf("CacheDir() = %q, CacheError() = %v", r.CacheDir(), r.CacheError())
	}
	for _, d := range []string{dir, filepath.Dir(dir), filepath.Dir(wazeroDir(t, dir)), wazeroDir(t, dir)} {
		fi, err := os.Stat(d)
		if err != nil || fi.Mode().Perm() != 0o700 {
			t.Fatalf("%s: %v, mode %v; want 0700", d, err, fi.Mode().Perm())
		}
	}
	first := entries(t, dir)
	if len(first) != 1 {
		t.Fatalf("entries after one module: %v", first)
	}
	sum, err := os.ReadFile(first[0] + sumSuffix)
	if want, _ := fileSum(first[0]); err != nil || string(sum) != want {
		t.Fatalf("sidecar = %q, %v; want %q", sum, err, want)
	}
	stat, _ := os.Stat(first[0])

	// The same module in a fresh runtime reuses the entry untouched.
	loadAndCheck(t, dir, wasm)
	again, _ := os.Stat(first[0])
	if got := entries(t, dir); len(got) != 1 || !again.ModTime().Equal(stat.ModTime()) {
		t.Fatalf("same module: entries %v, modtime %v -> %v", got, stat.ModTime(), again.ModTime())
	}

	// A changed module gets its own entry.
	other := mustCompile(t, map[string]string{"p.rego": cacheTestModules["p.rego"] + "y := 2\n"}, "p/x", "p/y")
	loadAndCheck(t, dir, other)
	if got := entries(t, dir); len(got) != 2 {
		t.Fatalf("entries after a second module: %v", got)
	}
}

func TestDefaultCacheDir(t *testing.T) {
	xdg := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", xdg)
	r, err := NewRuntime(context.Background(), RuntimeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(context.Background())
	want := filepath.Join(xdg, "tfy-secrets", "wazero")
	if r.CacheDir() != want {
		t.Fatalf("CacheDir() = %q (%v); want %q", r.CacheDir(), r.CacheError(), want)
	}
	for _, d := range []string{want, filepath.Dir(want)} {
		if fi, err := os.Stat(d); err != nil || fi.Mode().Perm() != 0o700 {
			t.Fatalf("%s: %v; want mode 0700", d, err)
		}
	}
}

func TestUnsafeCacheDirIsNotUsed(t *testing.T) {
	wasm := mustCompile(t, cacheTestModules, "p/x")
	base := t.TempDir()
	target := filepath.Join(base, "target")
	if err := os.Mkdir(target, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(base, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(base, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(base, "foreign")
	if err := os.Mkdir(foreign, 0o700); err != nil {
		t.Fatal(err)
	}
	ownedByUser = func(fi fs.FileInfo) bool { return fi.Name() != "foreign" && fileOwnedByUser(fi) }
	defer func() { ownedByUser = fileOwnedByUser }()

	for _, tc := range []struct{ dir, want string }{
		{link, "is a symlink"},
		{file, "is not a directory"},
		{foreign, "belongs to another user"},
	} {
		// Refused, never fatal: evaluation works from the in-memory cache.
		r := loadAndCheck(t, tc.dir, wasm)
		if r.CacheDir() != "" || r.CacheError() == nil || !strings.Contains(r.CacheError().Error(), tc.want) {
			t.Errorf("%s: CacheDir() = %q, CacheError() = %v; want refusal %q", tc.dir, r.CacheDir(), r.CacheError(), tc.want)
		}
	}
	if got, _ := os.ReadDir(target); len(got) != 0 {
		t.Errorf("the symlink's target was written to: %v", got)
	}
}

func TestWritableByOthersCacheIsPurged(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "cache")
	wasm := mustCompile(t, cacheTestModules, "p/x")
	loadAndCheck(t, dir, wasm)
	entry := entries(t, dir)[0]
	// While others could write, someone planted an entry with a valid sum.
	planted := filepath.Join(wazeroDir(t, dir), "0123abcd")
	if err := os.WriteFile(planted, []byte("planted code"), 0o600); err != nil {
		t.Fatal(err)
	}
	sum, _ := fileSum(planted)
	if err := os.WriteFile(planted+sumSuffix, []byte(sum), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	r := loadAndCheck(t, dir, wasm)
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 || r.CacheDir() != dir {
		t.Fatalf("mode %v, CacheDir %q; want 0700 and in use", fi.Mode().Perm(), r.CacheDir())
	}
	if _, err := os.Stat(planted); err == nil {
		t.Fatal("planted entry survived")
	}
	if _, err := os.Stat(entry + sumSuffix); err != nil {
		t.Fatalf("entry not rebuilt and sealed: %v", err)
	}
}

func TestCorruptCacheIsDiscardedAndRebuilt(t *testing.T) {
	t.Parallel()
	wasm := mustCompile(t, cacheTestModules, "p/x")
	for _, tc := range []struct {
		name    string
		corrupt func(t *testing.T, entry string)
	}{
		{"flipped byte", func(t *testing.T, entry string) {
			rewrite(t, entry, func(b []byte) []byte { b[len(b)/2] ^= 0xff; return b })
		}},
		{"truncated", func(t *testing.T, entry string) { rewrite(t, entry, func(b []byte) []byte { return b[:len(b)/3] }) }},
		{"emptied", func(t *testing.T, entry string) { rewrite(t, entry, func([]byte) []byte { return nil }) }},
		{"sum deleted", func(t *testing.T, entry string) {
			if err := os.Remove(entry + sumSuffix); err != nil {
				t.Fatal(err)
			}
		}},
		{"sum garbage", func(t *testing.T, entry string) {
			if err := os.WriteFile(entry+sumSuffix, []byte("garbage"), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		// A damaged entry whose sum was updated to match: only wazero can
		// tell, and its error must lead to a rebuild, not a failure.
		{"resealed bad header", func(t *testing.T, entry string) {
			rewrite(t, entry, func(b []byte) []byte { b[0] ^= 0xff; return b })
			sum, err := fileSum(entry)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(entry+sumSuffix, []byte(sum), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			loadAndCheck(t, dir, wasm)
			entry := entries(t, dir)[0]
			good, err := os.ReadFile(entry)
			if err != nil {
				t.Fatal(err)
			}
			tc.corrupt(t, entry)
			bad, _ := os.ReadFile(entry)

			loadAndCheck(t, dir, wasm)
			now, err := os.ReadFile(entry)
			if err != nil || bytes.Equal(now, bad) && !bytes.Equal(bad, good) {
				t.Fatalf("corrupt entry still in place (%v)", err)
			}
			sum, err := os.ReadFile(entry + sumSuffix)
			if want, _ := fileSum(entry); err != nil || string(sum) != want {
				t.Fatalf("rebuilt entry not sealed: %q, %v", sum, err)
			}
		})
	}
}

func rewrite(t *testing.T, path string, change func([]byte) []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, change(b), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyCacheRemovesStrays(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	wasm := mustCompile(t, cacheTestModules, "p/x")
	loadAndCheck(t, dir, wasm)
	entry := entries(t, dir)[0]
	wdir := wazeroDir(t, dir)
	write := func(name string, age time.Duration) string {
		p := filepath.Join(wdir, name)
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-age)
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
		return p
	}
	staleTmp := write("abc.123.tmp", time.Hour)
	freshTmp := write("abd.456.tmp", 0)
	orphanSum := write("nothing"+sumSuffix, 0)
	unsealed := write("deadbeef", 0)
	link := filepath.Join(wdir, "cafe")
	if err := os.Symlink("/etc/passwd", link); err != nil {
		t.Fatal(err)
	}
	verifyCache(filepath.Dir(wdir))
	for p, want := range map[string]bool{staleTmp: false, freshTmp: true, orphanSum: false, unsealed: false, link: false, entry: true, entry + sumSuffix: true} {
		if _, err := os.Lstat(p); (err == nil) != want {
			t.Errorf("%s: exists=%v; want %v", filepath.Base(p), err == nil, want)
		}
	}
}

func TestOtherBuildsArePrunedWhenStale(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	old := filepath.Join(dir, "build-0000000000000000")
	recent := filepath.Join(dir, "build-1111111111111111")
	mine := filepath.Join(dir, "mine")
	for _, d := range []string{old, recent, mine} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-staleBuildAge - time.Hour)
	for _, d := range []string{old, mine} {
		if err := os.Chtimes(d, long, long); err != nil {
			t.Fatal(err)
		}
	}
	r, err := NewRuntime(context.Background(), RuntimeOptions{CacheDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(context.Background())
	key, err := buildKey()
	if err != nil || !strings.HasPrefix(key, "build-") {
		t.Fatalf("buildKey() = %q, %v", key, err)
	}
	for d, want := range map[string]bool{old: false, recent: true, mine: true, filepath.Join(dir, key): true} {
		if _, err := os.Stat(d); (err == nil) != want {
			t.Errorf("%s: exists=%v; want %v", filepath.Base(d), err == nil, want)
		}
	}
}

func TestReadableByOthersCacheIsTightenedAndKept(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "cache")
	wasm := mustCompile(t, cacheTestModules, "p/x")
	loadAndCheck(t, dir, wasm)
	entry := entries(t, dir)[0]
	before, err := os.Stat(entry)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	loadAndCheck(t, dir, wasm)
	after, err := os.Stat(entry)
	if err != nil || !after.ModTime().Equal(before.ModTime()) {
		t.Fatalf("entry was rebuilt (%v); a read-only exposure needs no purge", err)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Fatalf("mode %v; want 0700", fi.Mode().Perm())
	}
}
