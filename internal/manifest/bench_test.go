package manifest

import (
	"fmt"
	"strings"
	"testing"
)

// benchManifest is a service manifest with refs references spread over 200
// groups, a few plain values, a secret mount and a comment, as a repository
// of real manifests would hold them.
func benchManifest(i, refs int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# service %d\nname: svc-%d\ntype: service\nimage:\n  type: image\n  image_uri: acme/svc-%d:1.0\n", i, i, i)
	b.WriteString("ports:\n  - port: 8000\n    protocol: TCP\n    expose: false\nresources: {cpu_request: 0.5, memory_request: 512}\nenv:\n")
	b.WriteString("  LOG_LEVEL: info\n  AWS_REGION: us-east-1\n")
	for k := range refs - 1 {
		fmt.Fprintf(&b, "  KEY_%d: tfy-secret://acme:group-%d:KEY_%d\n", k, (i*refs+k)%200, k)
	}
	fmt.Fprintf(&b, "mounts:\n  - type: secret\n    mount_path: /etc/svc/key\n    secret_fqn: \"tfy-secret://acme:group-%d:MOUNTED\"\n", i%200)
	b.WriteString("workspace_fqn: acme-cluster:ws\n")
	return []byte(b.String())
}

// BenchmarkRead1000Manifests reads 1,000 manifests holding 10,000
// references in all: the reading part of manifest check over a repository
// (issue 13 budgets the whole command at 2 s).
func BenchmarkRead1000Manifests(b *testing.B) {
	files := make([][]byte, 1000)
	size := 0
	for i := range files {
		files[i] = benchManifest(i, 10)
		size += len(files[i])
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		refs := 0
		for _, src := range files {
			f, err := Read(src)
			if err != nil {
				b.Fatal(err)
			}
			for _, l := range f.Locations {
				if l.Ref.Status == RefOK {
					refs++
				}
			}
		}
		if refs != 10000 {
			b.Fatalf("%d references, want 10000", refs)
		}
	}
}

// BenchmarkMigrate200Keys reads a manifest with 200 plaintext credentials
// and rewrites all of them into references: the manifest side of
// manifest migrate (issue 13 budgets the whole command at 1 s).
func BenchmarkMigrate200Keys(b *testing.B) {
	var s strings.Builder
	s.WriteString("name: big\ntype: service\nenv:\n")
	for k := range 200 {
		fmt.Fprintf(&s, "  SECRET_%d: \"plain-Secret-Value-%d\"\n", k, k)
	}
	src := []byte(s.String())
	b.ReportAllocs()
	for b.Loop() {
		f, err := Read(src)
		if err != nil {
			b.Fatal(err)
		}
		var edits []Edit
		for _, l := range f.Locations {
			if l.Plaintext.Whole && l.Place.References() == Resolved {
				edits = append(edits, Edit{l.Document, l.Path, "tfy-secret://acme:big:" + l.Name})
			}
		}
		if len(edits) != 200 {
			b.Fatalf("%d edits, want 200", len(edits))
		}
		if _, err := f.Rewrite(edits); err != nil {
			b.Fatal(err)
		}
	}
}
