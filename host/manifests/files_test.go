package manifests

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

// tree makes files (path -> content) under a fresh directory; a content of
// "->TARGET" makes a symbolic link instead.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(content, "->"); ok {
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func names(fs []File) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Name
	}
	return out
}

func TestExpandWalksDirectories(t *testing.T) {
	t.Parallel()
	root := tree(t, map[string]string{
		"truefoundry.yaml":          "a",
		"deploy/b.yml":              "b",
		"deploy/C.YAML":             "c",
		"deploy/nested/d.yaml":      "d",
		"deploy/readme.md":          "no",
		"deploy/.hidden.yaml":       "no",
		".github/workflows/ci.yaml": "no",
		"deploy/.venv/x.yaml":       "no",
		"chart/Chart.yaml":          "chart",
		"chart/values.yaml":         "values",
		"chart/templates/s.yaml":    "no: {{ .Values }}",
		"templates/t.yaml":          "t", // no Chart.yaml beside it: read
		"linked.yaml":               "->deploy/b.yml",
		"loop":                      "->.",
		"dangling.yaml":             "->nowhere.yaml",
	})
	got, err := Expand([]string{root})
	if err != nil {
		t.Fatal(err)
	}
	var rel []string
	for _, n := range names(got) {
		r, _ := filepath.Rel(root, n)
		rel = append(rel, r)
	}
	want := []string{"chart/Chart.yaml", "chart/values.yaml", "deploy/C.YAML", "deploy/b.yml", "deploy/nested/d.yaml", "linked.yaml", "templates/t.yaml", "truefoundry.yaml"}
	if !reflect.DeepEqual(rel, want) {
		t.Fatalf("got %q\nwant %q", rel, want)
	}
}

func TestExpandKeepsTheOrderGivenAndReadsEachFileOnce(t *testing.T) {
	t.Parallel()
	root := tree(t, map[string]string{"a.yaml": "a", "sub/b.yaml": "b", "notes.txt": "named outright: read"})
	a, sub, txt := filepath.Join(root, "a.yaml"), filepath.Join(root, "sub"), filepath.Join(root, "notes.txt")
	got, err := Expand([]string{sub, txt, a, "-", root, a})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(sub, "b.yaml"), txt, a, StdinName}
	if !reflect.DeepEqual(names(got), want) {
		t.Fatalf("got %q\nwant %q", names(got), want)
	}
	// A hidden directory named outright is walked.
	hidden := tree(t, map[string]string{".deploy/x.yaml": "x"})
	got, err = Expand([]string{filepath.Join(hidden, ".deploy")})
	if err != nil || len(got) != 1 {
		t.Fatalf("got %q, %v", names(got), err)
	}
}

func TestExpandRefusesBadPaths(t *testing.T) {
	t.Parallel()
	for name, paths := range map[string][]string{
		"missing":     {filepath.Join(t.TempDir(), "nope.yaml")},
		"stdin twice": {"-", "-"},
		"empty":       {""},
		"NUL":         {"a\x00b"},
	} {
		_, err := Expand(paths)
		if failure.KindOf(err) != failure.Usage {
			t.Errorf("%s: got %v, want a usage error", name, err)
		}
	}
}

func TestReadBoundsTheFile(t *testing.T) {
	t.Parallel()
	root := tree(t, map[string]string{"ok.yaml": "name: a\n"})
	data, err := File{Name: "ok.yaml", path: filepath.Join(root, "ok.yaml")}.Read(nil)
	if err != nil || string(data) != "name: a\n" {
		t.Fatalf("%q, %v", data, err)
	}
	big := strings.NewReader(strings.Repeat("#", MaxFileSize+1))
	_, err = File{Name: StdinName}.Read(big)
	var s Scan
	if err := s.Add(StdinName, nil, err); err != nil {
		t.Fatal(err)
	}
	if r := s.Check(pluginAnswer(), false); !r.Failed() || r.Summary.Errors != 1 || !strings.Contains(r.Errors[0].Message, "larger than 4 MiB") {
		t.Fatalf("got %+v", r)
	}
}
