package policies_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/compile"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/policies"
	"github.com/tfy-secrets/tfy-secrets/policies/authoring"
)

func TestOrgBundleTightens(t *testing.T) {
	t.Parallel()
	t.Run("prod-delete", func(t *testing.T) {
		t.Parallel()
		def, org := newEngine(t, ""), newEngine(t, buildExample(t, "prod-delete"))
		in := baseInput()
		in.Operation = "secret.delete"
		in.Group.Name = "prod-payments"
		in.Context.Yes = true
		if d := decide(t, def, in); d.Confirm != "yes" {
			t.Fatalf("defaults: confirm = %q, want yes", d.Confirm)
		}
		if d := decide(t, org, in); d.Confirm != "typed" {
			t.Fatalf("with prod-delete: confirm = %q, want typed", d.Confirm)
		}
		in.Group.Name = "staging-payments"
		if d := decide(t, org, in); d.Confirm != "yes" {
			t.Fatalf("with prod-delete, staging group: confirm = %q, want yes", d.Confirm)
		}
	})
	t.Run("upper-kebab", func(t *testing.T) {
		t.Parallel()
		def, org := newEngine(t, ""), newEngine(t, buildExample(t, "upper-kebab"))
		in := baseInput()
		in.Integration.Type = gsm
		in.Changes = []policydoc.Change{{Key: "db_password", Action: "add", Source: "env", Length: 12}}
		if d := decide(t, def, in); d.Denied() {
			t.Fatalf("defaults deny a valid gsm key: %q", d.Deny)
		}
		d := decide(t, org, in)
		if len(d.Deny) != 1 || !strings.Contains(d.Deny[0], `try "DB-PASSWORD"`) {
			t.Fatalf("with upper-kebab: deny = %q, want the organisation's denial", d.Deny)
		}
		if d.Confirm != "yes" {
			t.Fatalf("with upper-kebab: confirm = %q, want the default yes", d.Confirm)
		}
	})
}

// The loosening example claims no denials, no confirmation and prefixes for
// every key. Over the whole generated corpus the combined decision must be
// exactly the defaults'.
func TestOrgBundleCannotLoosen(t *testing.T) {
	t.Parallel()
	def, loose := newEngine(t, ""), newEngine(t, buildExample(t, "loosen"))
	inputs := corpus(200, 7)
	var literal, typed, masked int
	for i, in := range inputs {
		want, got := decide(t, def, in), decide(t, loose, in)
		if !sameDecision(want, got) {
			t.Fatalf("input %d: loosening bundle changed the decision\n got %+v\nwant %+v", i, got, want)
		}
		if slices.ContainsFunc(in.Changes, func(c policydoc.Change) bool { return c.Source == "literal" }) {
			literal++
		}
		if want.Confirm == "typed" {
			typed++
		}
		for k := range want.Mask {
			if want.Mask[k] == "set" {
				masked++
			}
		}
	}
	// The corpus must actually exercise what the bundle tries to loosen.
	if literal == 0 || typed == 0 || masked == 0 {
		t.Fatalf("corpus too weak: %d literal inputs, %d typed, %d masked keys", literal, typed, masked)
	}
}

// Whatever an organisation bundle says, the combination is at least as
// strict as the defaults on every input.
func TestCombinedNeverLooserThanDefaults(t *testing.T) {
	t.Parallel()
	def := newEngine(t, "")
	rank := map[policydoc.Confirm]int{"none": 0, "yes": 1, "typed": 2}
	for _, name := range []string{"prod-delete", "upper-kebab", "loosen"} {
		org := newEngine(t, buildExample(t, name))
		for i, in := range corpus(100, 11) {
			want, got := decide(t, def, in), decide(t, org, in)
			for _, msg := range want.Deny {
				if !slices.Contains(got.Deny, msg) {
					t.Fatalf("%s, input %d: default denial %q dropped", name, i, msg)
				}
			}
			if rank[got.Confirm] < rank[want.Confirm] {
				t.Fatalf("%s, input %d: confirm %q weaker than default %q", name, i, got.Confirm, want.Confirm)
			}
			for k, v := range got.Mask {
				if v == "prefix4" && want.MaskFor(k) != "prefix4" {
					t.Fatalf("%s, input %d: %s shows a prefix the defaults mask", name, i, k)
				}
			}
		}
	}
}

func decide(t testing.TB, e *policies.Engine, in policydoc.Input) policydoc.Decision {
	t.Helper()
	d, err := e.Decide(context.Background(), in)
	if err != nil {
		t.Fatalf("decide: %v", err)
	}
	return d
}

func sameDecision(a, b policydoc.Decision) bool {
	return slices.Equal(a.Deny, b.Deny) && slices.Equal(a.Warn, b.Warn) && a.Confirm == b.Confirm && mapsEqual(a.Mask, b.Mask)
}

// Every way a bundle can be unusable is a config failure with a hint, never
// a silent fallback to the defaults alone.
func TestBrokenBundlesAreConfigFailures(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good, err := os.ReadFile(buildExample(t, "upper-kebab"))
	if err != nil {
		t.Fatal(err)
	}
	wasm := bundleWasm(t, good)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	otherEntrypoint := compileWith(t, "package other\n\ndecision := {}\n", "other/decision")
	unsupported := filepath.Join(dir, "unsupported.tar.gz")
	writeDir(t, filepath.Join(dir, "unsupported-src"), "package tfy.secrets\n\ndecision := {\"warn\": [sprintf(\"%d\", [time.now_ns()])]}\n")
	if err := authoring.Build(context.Background(), filepath.Join(dir, "unsupported-src"), unsupported); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "nope.tar.gz"), "no such file"},
		{"not gzip", write("plain.tar.gz", []byte("plain text")), "not a gzip file"},
		{"truncated", write("trunc.tar.gz", good[:len(good)/2]), "corrupt archive"},
		{"no wasm", write("nowasm.tar.gz", makeBundle(t, map[string]string{"/data.json": "{}"})), "no /policy.wasm"},
		{"defines stores", write("stores.tar.gz", makeBundle(t, map[string]string{"/policy.wasm": string(wasm), "/data.json": `{"stores":{}}`})), `"stores"`},
		{"corrupt wasm", write("badwasm.tar.gz", makeBundle(t, map[string]string{"/policy.wasm": "\x00asm garbage"})), "cannot load"},
		{"no entrypoint", write("noentry.tar.gz", makeBundle(t, map[string]string{"/policy.wasm": string(otherEntrypoint)})), "no tfy/secrets/decision entry point"},
		{"unsupported builtin", unsupported, "time.now_ns"},
		{"traversal", write("trav.tar.gz", makeBundle(t, map[string]string{"../policy.wasm": string(wasm)})), "leaves the bundle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := policies.New(context.Background(), policies.Options{Bundle: tt.path, Stores: testStores(t), CacheDir: cacheDir})
			f := failure.As(err)
			if err == nil || f.Kind != failure.Config {
				t.Fatalf("New = %v, want a config failure", err)
			}
			if !strings.Contains(f.Message, tt.want) || !strings.Contains(f.Message, tt.path) {
				t.Errorf("message %q, want it to name %q and the path", f.Message, tt.want)
			}
			if f.Hint == "" {
				t.Error("no hint")
			}
		})
	}
}

func writeDir(t testing.TB, dir, policy string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "policy.rego"), []byte(policy), 0o600); err != nil {
		t.Fatal(err)
	}
}

func compileWith(t testing.TB, src, entrypoint string) []byte {
	t.Helper()
	dir := t.TempDir()
	writeDir(t, dir, src)
	c := compile.New().WithRegoVersion(ast.RegoV1).WithTarget(compile.TargetWasm).WithEntrypoints(entrypoint).WithPaths(dir)
	if err := c.Build(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c.Bundle().WasmModules[0].Raw
}

func makeBundle(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		body := files[name]
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func bundleWasm(t testing.TB, bundle []byte) []byte {
	t.Helper()
	b, err := policies.ReadBundle(bytes.NewReader(bundle))
	if err != nil {
		t.Fatal(err)
	}
	return b.Wasm
}

// An organisation policy that fails while evaluating, or answers with a
// document the engine cannot read, stops the operation: treating either as
// "no opinion" would silently drop the organisation's rules.
func TestOrgPolicyFailuresAreConfigFailures(t *testing.T) {
	t.Parallel()
	tests := map[string]struct{ src, want string }{
		"conflict at eval": {
			src:  "package tfy.secrets\n\nc := \"yes\" if input.operation == \"group.get\"\n\nc := \"typed\" if input.tenant == \"demo\"\n\ndecision := {\"confirm\": c}\n",
			want: "organisation policy failed",
		},
		"unknown confirm word": {
			src:  "package tfy.secrets\n\ndecision := {\"confirm\": \"maybe\"}\n",
			want: `confirm is "maybe"`,
		},
		"deny not a list": {
			src:  "package tfy.secrets\n\ndecision := {\"deny\": \"no\"}\n",
			want: "decision is not a {deny, warn, confirm, mask} document",
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src := filepath.Join(t.TempDir(), "src")
			writeDir(t, src, tt.src)
			bundle := filepath.Join(t.TempDir(), "b.tar.gz")
			if err := authoring.Build(context.Background(), src, bundle); err != nil {
				t.Fatal(err)
			}
			e := newEngine(t, bundle)
			in := baseInput()
			in.Operation = "group.get"
			_, err := e.Decide(context.Background(), in)
			f := failure.As(err)
			if err == nil || f.Kind != failure.Config || !strings.Contains(f.Message, tt.want) || f.Hint == "" {
				t.Fatalf("Decide = %v (kind %s, hint %q), want a config failure containing %q", err, f.Kind, f.Hint, tt.want)
			}
		})
	}
}

// One engine serves concurrent decisions (the plugin answers the host and
// the MCP server at once); -race checks the sharing.
func TestConcurrentDecisions(t *testing.T) {
	t.Parallel()
	e := newEngine(t, buildExample(t, "prod-delete"))
	inputs := corpus(40, 99)
	want := make([]policydoc.Decision, len(inputs))
	for i, in := range inputs {
		want[i] = decide(t, e, in)
	}
	errs := make(chan error, 4)
	for w := range 4 {
		go func() {
			for i := range inputs {
				j := (i + w*10) % len(inputs)
				d, err := e.Decide(context.Background(), inputs[j])
				if err == nil && !sameDecision(d, want[j]) {
					err = fmt.Errorf("input %d: concurrent decision %+v differs from %+v", j, d, want[j])
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
