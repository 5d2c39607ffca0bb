package migrate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/manifest"
)

// rewriteAll replaces every location of src the rewriter can change with
// a reference and returns the masked diff.
func rewriteAll(t *testing.T, src string) string {
	t.Helper()
	f, err := manifest.Read([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	spans := f.Spans()
	var edits []manifest.Edit
	var edited []manifest.Span
	for i, l := range f.Locations {
		if l.Null || l.Ref.Status == manifest.RefOK {
			continue
		}
		e := manifest.Edit{Document: l.Document, Path: l.Path, Value: "tfy-secret://demo:g:" + strings.ReplaceAll(l.Name, "/", "-")}
		if _, err := f.Rewrite(append(edits, e)); err != nil {
			continue
		}
		edits = append(edits, e)
		edited = append(edited, spans[i])
	}
	out, err := f.Rewrite(edits)
	if err != nil {
		t.Fatal(err)
	}
	g, err := manifest.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	d, err := maskedDiff("m.yaml", []byte(src), out, edited, masks(f, spans), masks(g, g.Spans()))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The diff's shapes: a block scalar replaced by one line, values of a
// flow mapping on one line, Windows line endings, an alias (masked at its
// anchor), a file without a final newline, and hunks kept apart when more
// than twice the context lies between them.
func TestMaskedDiff(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, src, want string
	}{
		{"block and flow", "type: service\nname: web\nenv:\n  KEY: |\n    line one\n    line two\n  FLOW: {a: 1}\nmounts: []\n---\ntype: job\nname: j\nenv: {A: one, B: 'two'}\n",
			"--- m.yaml\n+++ m.yaml\n@@ -1,12 +1,10 @@\n type: service\n name: web\n env:\n-  KEY: (set)\n-    (set)\n-    (set)\n+  KEY: tfy-secret://demo:g:KEY\n   FLOW: {a: 1}\n mounts: []\n ---\n type: job\n name: j\n-env: {A: (set), B: (set)}\n+env: {A: tfy-secret://demo:g:A, B: 'tfy-secret://demo:g:B'}\n"},
		{"crlf and no final newline", "type: service\r\nname: web\r\nenv:\r\n  A: x\r\n  B: \"y\"",
			"--- m.yaml\n+++ m.yaml\n@@ -1,5 +1,5 @@\n type: service\n name: web\n env:\n-  A: (set)\n-  B: (set)\n+  A: tfy-secret://demo:g:A\n+  B: \"tfy-secret://demo:g:B\"\n"},
		{"alias", "type: service\nname: web\nenv:\n  A: &pw hunter2hunter2\n  B: *pw\n  C: other\n",
			"--- m.yaml\n+++ m.yaml\n@@ -3,4 +3,4 @@\n env:\n   A: &pw (set)\n   B: *pw\n-  C: (set)\n+  C: tfy-secret://demo:g:C\n"},
		{"apart", "type: service\nname: web\nenv:\n  A: x\n  K1: tfy-secret://demo:g:K1\n  K2: tfy-secret://demo:g:K2\n  K3: tfy-secret://demo:g:K3\n  K4: tfy-secret://demo:g:K4\n  K5: tfy-secret://demo:g:K5\n  K6: tfy-secret://demo:g:K6\n  K7: tfy-secret://demo:g:K7\n  B: y\n",
			"--- m.yaml\n+++ m.yaml\n@@ -1,7 +1,7 @@\n type: service\n name: web\n env:\n-  A: (set)\n+  A: tfy-secret://demo:g:A\n   K1: tfy-secret://demo:g:K1\n   K2: tfy-secret://demo:g:K2\n   K3: tfy-secret://demo:g:K3\n" +
				"@@ -9,4 +9,4 @@\n   K5: tfy-secret://demo:g:K5\n   K6: tfy-secret://demo:g:K6\n   K7: tfy-secret://demo:g:K7\n-  B: (set)\n+  B: tfy-secret://demo:g:B\n"},
		{"escapes", "type: service\nname: \"web\\e[2J\"\nenv:\n  A: x\n",
			"--- m.yaml\n+++ m.yaml\n@@ -1,4 +1,4 @@\n type: service\n name: \"web\\e[2J\"\n env:\n-  A: (set)\n+  A: tfy-secret://demo:g:A\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := rewriteAll(t, c.src); got != c.want {
				t.Errorf("diff:\n%s\nwant:\n%s", got, c.want)
			}
		})
	}
}

// Over the reader's own fixtures, with every value that can be replaced
// replaced, the diff lines up and shows none of the values it replaced.
func TestMaskedDiffOfFixtures(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../../../internal/manifest/testdata/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatal("no fixtures", err)
	}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		d := rewriteAll(t, string(src))
		f, _ := manifest.Read(src)
		for _, l := range f.Locations {
			if v := l.Value.Reveal(); l.Plaintext.Whole && len(v) >= 12 && strings.Contains(d, v) {
				t.Errorf("%s: the value at %s shows in the diff", file, l.Path)
			}
		}
	}
}

// A rewrite that is not the original with only the edited values replaced
// is refused rather than shown wrong.
func TestMaskedDiffRefusesWhatDoesNotLineUp(t *testing.T) {
	t.Parallel()
	old := []byte("a: 1\nb: 2\n")
	if _, err := maskedDiff("m", old, []byte("a: 1\nc: 3\n"), []manifest.Span{{Start: 3, End: 4}}, nil, nil); err != errDiff {
		t.Fatalf("err = %v", err)
	}
}
