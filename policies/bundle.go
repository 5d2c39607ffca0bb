package policies

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
)

// Limits on an organisation bundle. Real ones are a few hundred KiB; the
// limits keep a hostile or corrupt file from exhausting memory.
const (
	maxBundleEntries    = 1000
	maxBundleEntryBytes = 32 << 20
	maxBundleTotalBytes = 64 << 20
)

// Bundle is an OPA bundle as tfy-secrets uses it: the compiled policy, its
// data document and its Rego sources (for `policy show`).
type Bundle struct {
	Wasm     []byte   // /policy.wasm
	Data     []byte   // /data.json, a JSON object; nil when absent
	Manifest []byte   // /.manifest, nil when absent
	Modules  []Module // the .rego files, sorted by name
}

// Module is one Rego source file.
type Module struct {
	Name   string
	Source string
}

// ReadBundle reads a standard OPA bundle (.tar.gz), as `opa build -t wasm`
// or `tfy-secrets policy build` writes it. It refuses what it cannot use
// rather than ignoring it: entries that climb out of the bundle, links,
// oversized entries, a second wasm module, data in files other than
// /data.json, and a bundle without /policy.wasm.
func ReadBundle(r io.Reader) (*Bundle, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("read bundle: not a gzip file: %w", err)
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	b := &Bundle{}
	var total int64
	seen := map[string]bool{}
	for n := 0; ; n++ {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read bundle: corrupt archive: %w", err)
		}
		if n >= maxBundleEntries {
			return nil, fmt.Errorf("read bundle: more than %d entries", maxBundleEntries)
		}
		name, err := entryName(hdr.Name)
		if err != nil {
			return nil, fmt.Errorf("read bundle: %w", err)
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			continue
		case tar.TypeReg:
		default:
			return nil, fmt.Errorf("read bundle: %s: only regular files are allowed", name)
		}
		if seen[name] {
			return nil, fmt.Errorf("read bundle: %s appears twice", name)
		}
		seen[name] = true
		if hdr.Size > maxBundleEntryBytes {
			return nil, fmt.Errorf("read bundle: %s is %d bytes, more than %d", name, hdr.Size, maxBundleEntryBytes)
		}
		total += hdr.Size
		if total > maxBundleTotalBytes {
			return nil, fmt.Errorf("read bundle: contents exceed %d bytes", maxBundleTotalBytes)
		}
		body, err := io.ReadAll(io.LimitReader(tr, hdr.Size))
		if err != nil {
			return nil, fmt.Errorf("read bundle: %s: corrupt archive: %w", name, err)
		}
		if err := b.add(name, body); err != nil {
			return nil, fmt.Errorf("read bundle: %w", err)
		}
	}
	// Reading to the end checks the gzip trailer, which catches truncation.
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return nil, fmt.Errorf("read bundle: corrupt archive: %w", err)
	}
	if b.Wasm == nil {
		return nil, errors.New("read bundle: no /policy.wasm; build the bundle for the wasm target")
	}
	sort.Slice(b.Modules, func(i, j int) bool { return b.Modules[i].Name < b.Modules[j].Name })
	return b, nil
}

// entryName cleans an archive path to the bundle-absolute form OPA uses
// ("/policy.wasm"), refusing paths that would leave the bundle.
func entryName(raw string) (string, error) {
	if raw == "" || strings.ContainsRune(raw, 0) || strings.Contains(raw, `\`) {
		return "", fmt.Errorf("entry %q: invalid path", raw)
	}
	for _, part := range strings.Split(raw, "/") {
		if part == ".." {
			return "", fmt.Errorf("entry %q: path leaves the bundle", raw)
		}
	}
	return path.Clean("/" + raw), nil
}

func (b *Bundle) add(name string, body []byte) error {
	base := path.Base(name)
	switch {
	case name == "/policy.wasm":
		b.Wasm = body
	case strings.HasSuffix(name, ".wasm"):
		return fmt.Errorf("%s: only one wasm module, /policy.wasm, is supported", name)
	case name == "/data.json":
		if err := checkDataObject(body); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		b.Data = body
	case base == "data.json" || base == "data.yaml" || base == "data.yml":
		return fmt.Errorf("%s: only /data.json at the bundle root is supported", name)
	case name == "/.manifest":
		if !json.Valid(body) {
			return fmt.Errorf("%s: not valid JSON", name)
		}
		b.Manifest = body
	case strings.HasSuffix(name, ".rego"):
		b.Modules = append(b.Modules, Module{Name: strings.TrimPrefix(name, "/"), Source: string(body)})
	}
	// Anything else (signatures, plan files, READMEs) does not affect the
	// decision and is not kept.
	return nil
}

// checkDataObject checks that data is a JSON object and does not define
// "stores": store rules come from tfy-secrets' provider modules, and a bundle
// that shadowed them could loosen the key-name and size checks.
func checkDataObject(data []byte) error {
	var doc map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil || doc == nil {
		return errors.New("not a JSON object")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("unexpected data after the JSON object")
	}
	if _, ok := doc["stores"]; ok {
		return errors.New(`defines the top-level key "stores", which tfy-secrets reserves for its store rules`)
	}
	return nil
}
