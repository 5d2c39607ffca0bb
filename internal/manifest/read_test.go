package manifest

import (
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
