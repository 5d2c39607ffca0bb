package manifest

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// fixtures are the real-looking manifests under testdata.
var fixtures = []string{"service.yaml", "helm.yaml", "servicefoundry.yaml", "kinds.yaml", "blocks.yaml", "anchors.yaml", "crlf.yaml"}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file (rerun with -update after checking):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// describe renders every document and location of a file, one per line, in
// the form the golden files hold.
func describe(f *File) string {
	var b strings.Builder
	for _, d := range f.Documents {
		fmt.Fprintf(&b, "document %d kind=%q name=%q legacy=%v line=%d\n", d.Index, d.Kind, d.Name, d.Legacy, d.Line)
	}
	for _, l := range f.Locations {
		fmt.Fprintf(&b, "%d:%d doc=%d kind=%s %s place=%s name=%q", l.Line, l.Column, l.Document, l.Kind, l.Path, l.Place, l.Name)
		if l.Null {
			b.WriteString(" null")
		}
		if l.Shared {
			b.WriteString(" shared")
		}
		if l.Ref.Status != RefNone {
			fmt.Fprintf(&b, " ref=%s", l.Ref.Status)
			if l.Ref.Ref != (Ref{}) {
				fmt.Fprintf(&b, "(%s)", l.Ref.Ref)
			}
		}
		if l.Plaintext.Flagged() {
			fmt.Fprintf(&b, " plaintext=%q whole=%v", l.Plaintext.Reason, l.Plaintext.Whole)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// TestReadGolden pins every location the reader reports in each fixture:
// its position, path, place, name and what it made of the value.
func TestReadGolden(t *testing.T) {
	t.Parallel()
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f, err := Read(readFixture(t, name))
			if err != nil {
				t.Fatal(err)
			}
			golden(t, strings.TrimSuffix(name, ".yaml")+".locations.golden", []byte(describe(f)))
		})
	}
}

// TestReadBoundsAliasExpansion: aliases of aliases multiply the work
// exponentially; such a file is refused quickly instead of expanded.
func TestReadBoundsAliasExpansion(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("name: x\ntype: helm\nvalues:\n  l0: &l0 [v, v, v, v, v, v, v, v, v, v]\n")
	for i := 1; i < 9; i++ {
		fmt.Fprintf(&b, "  l%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	_, err := Read([]byte(b.String()))
	var se *SyntaxError
	if !errors.As(err, &se) || se.Problem != "document contains excessive aliasing" || se.Document != 0 {
		t.Fatalf("Read = %v, want the excessive aliasing error", err)
	}
	// A file that shares one env block among many components stays fine.
	var ok strings.Builder
	ok.WriteString("name: set\ntype: application-set\ncommon: &env {A: tfy-secret://t:g:A, B: b}\ncomponents:\n")
	for i := range 200 {
		fmt.Fprintf(&ok, "  - {name: c%d, type: service, env: *env}\n", i)
	}
	f, err := Read([]byte(ok.String()))
	if err != nil || len(f.Locations) != 400 {
		t.Fatalf("Read = %d locations, %v; want 400", len(f.Locations), err)
	}
}
