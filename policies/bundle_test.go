package policies_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"slices"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/policies"
)

func TestReadBundle(t *testing.T) {
	t.Parallel()
	b, err := policies.ReadBundle(bytes.NewReader(makeBundle(t, map[string]string{
		"/policy.wasm":      "\x00asm",
		"/data.json":        `{"teams":["a"]}`,
		"/.manifest":        `{"revision":"1"}`,
		"/b/policy.rego":    "package b",
		"./a/policy.rego":   "package a",
		"/.signatures.json": "{}",
	})))
	if err != nil {
		t.Fatal(err)
	}
	if string(b.Wasm) != "\x00asm" || string(b.Data) != `{"teams":["a"]}` || string(b.Manifest) != `{"revision":"1"}` {
		t.Fatalf("bundle = %+v", b)
	}
	if len(b.Modules) != 2 || b.Modules[0].Name != "a/policy.rego" || b.Modules[1].Source != "package b" {
		t.Fatalf("modules = %+v", b.Modules)
	}
}

func TestReadBundleMalformed(t *testing.T) {
	t.Parallel()
	wasm := map[string]string{"/policy.wasm": "\x00asm"}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{"/policy.wasm": "\x00asm"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name string
		raw  []byte
		want string
	}{
		{"not gzip", []byte("PK\x03\x04zip"), "not a gzip file"},
		{"empty", nil, "not a gzip file"},
		{"gzip of junk", gz(t, []byte("this is not a tar archive, not even close, at all........")), "corrupt archive"},
		{"truncated", makeBundle(t, wasm)[:30], ""},
		{"no wasm", makeBundle(t, map[string]string{"/data.json": "{}"}), "no /policy.wasm"},
		{"parent path", makeBundle(t, with(map[string]string{"/a/../../etc/passwd": "x"})), "leaves the bundle"},
		{"backslash", makeBundle(t, with(map[string]string{`..\evil.rego`: "x"})), "invalid path"},
		{"second wasm", makeBundle(t, with(map[string]string{"/other/policy.wasm": "x"})), "only one wasm module"},
		{"nested data", makeBundle(t, with(map[string]string{"/x/data.json": "{}"})), "only /data.json at the bundle root"},
		{"yaml data", makeBundle(t, with(map[string]string{"/data.yaml": "a: 1"})), "only /data.json"},
		{"data not object", makeBundle(t, with(map[string]string{"/data.json": "[1]"})), "not a JSON object"},
		{"data trailing", makeBundle(t, with(map[string]string{"/data.json": "{} {}"})), "unexpected data"},
		{"data stores", makeBundle(t, with(map[string]string{"/data.json": `{"stores":{"x":{}}}`})), `"stores"`},
		{"bad manifest", makeBundle(t, with(map[string]string{"/.manifest": "{"})), "not valid JSON"},
		{"duplicate", tarGz(t, []tar.Header{{Name: "/policy.wasm", Size: 1}, {Name: "policy.wasm", Size: 1}}), "appears twice"},
		{"symlink", tarGz(t, []tar.Header{{Name: "/policy.wasm", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}}), "only regular files"},
		{"huge entry", tarGz(t, []tar.Header{{Name: "/policy.wasm", Size: 1 << 40}}), "more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := policies.ReadBundle(bytes.NewReader(tt.raw))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "read bundle: ") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q, want %q", err, tt.want)
			}
		})
	}
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// tarGz writes headers with bodies of their declared size (zeros), except
// that a header larger than 1 MiB gets no body: the reader must refuse it
// from the header alone.
func tarGz(t testing.TB, hdrs []tar.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range hdrs {
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		h.Mode = 0o600
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 && h.Size < 1<<20 {
			if _, err := tw.Write(make([]byte, h.Size)); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The huge entry's body is missing, so Close would fail; the bytes
	// written so far are what the test needs.
	_ = tw.Flush()
	return gz(t, buf.Bytes())
}

func FuzzReadBundle(f *testing.F) {
	f.Add(makeBundle(f, map[string]string{"/policy.wasm": "\x00asm", "/data.json": `{"a":1}`, "/p.rego": "package p"}))
	f.Add(makeBundle(f, map[string]string{"/data.json": `{"stores":1}`}))
	f.Add(makeBundle(f, map[string]string{"../x": "y"}))
	f.Add(gz(f, []byte("junk")))
	f.Add([]byte{0x1f, 0x8b})
	f.Fuzz(func(t *testing.T, raw []byte) {
		b, err := policies.ReadBundle(bytes.NewReader(raw))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "read bundle: ") {
				t.Fatalf("error without its operation: %v", err)
			}
			return
		}
		if b.Wasm == nil {
			t.Fatal("accepted a bundle without /policy.wasm")
		}
		for _, m := range b.Modules {
			if slices.Contains(strings.Split(m.Name, "/"), "..") || strings.HasPrefix(m.Name, "/") {
				t.Fatalf("module name %q escapes the bundle", m.Name)
			}
		}
	})
}
