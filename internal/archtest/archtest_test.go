package archtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const module = "github.com/tfy-secrets/tfy-secrets"

// rule is one row of the table: the packages it covers and what they must
// not import.
type rule struct {
	covers    []string // module-relative patterns; "x/..." is x and below
	forbidden []string // patterns: module-relative ("host/..."), standard library ("net/http") or other modules
	ownModule bool     // "everything of this module"
}

var backticked = regexp.MustCompile("`([^`]+)`")

// readTable parses the package table of docs/architecture.md.
func readTable(t *testing.T) []rule {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	var rules []rule
	in := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "| package | owns | must not import |"):
			in = true
			continue
		case !in:
			continue
		case !strings.HasPrefix(line, "|"):
			in = false
			continue
		case strings.HasPrefix(line, "|---"):
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != 3 {
			t.Fatalf("table row %q has %d cells, want 3", line, len(cells))
		}
		var r rule
		for _, m := range backticked.FindAllStringSubmatch(cells[0], -1) {
			r.covers = append(r.covers, m[1])
		}
		for _, m := range backticked.FindAllStringSubmatch(cells[2], -1) {
			r.forbidden = append(r.forbidden, m[1])
		}
		r.ownModule = strings.TrimSpace(cells[2]) == "everything of this module"
		if len(r.covers) == 0 || len(r.forbidden) == 0 && !r.ownModule {
			t.Fatalf("table row %q names no package or nothing forbidden", line)
		}
		rules = append(rules, r)
	}
	if len(rules) == 0 {
		t.Fatal("docs/architecture.md has no package table")
	}
	return rules
}

func matches(pattern, path string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == base || strings.HasPrefix(path, base+"/")
	}
	return path == pattern
}

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports,Deps", "./...")
	cmd.Dir = filepath.Join("..", "..")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// isStd reports whether a pattern names the standard library: its first
// element has no dot and is not a directory at the module's root.
func isStd(pattern string) bool {
	first := strings.Split(pattern, "/")[0]
	if strings.Contains(first, ".") {
		return false
	}
	_, err := os.Stat(filepath.Join("..", "..", first))
	return err != nil
}

// TestPackageTableHolds: every package is covered by a row of the table,
// and imports nothing its rows forbid.
func TestPackageTableHolds(t *testing.T) {
	t.Parallel()
	rules := readTable(t)
	pkgs := listPackages(t)
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages", len(pkgs))
	}
	for _, p := range pkgs {
		rel, ok := strings.CutPrefix(p.ImportPath, module+"/")
		if !ok {
			t.Errorf("package %s is outside the module", p.ImportPath)
			continue
		}
		covered := false
		for _, r := range rules {
			applies := false
			for _, c := range r.covers {
				applies = applies || matches(c, rel)
			}
			if !applies {
				continue
			}
			covered = true
			for _, imp := range p.Imports {
				if r.ownModule && strings.HasPrefix(imp, module+"/") {
					t.Errorf("%s imports %s, but its row allows nothing of this module", rel, imp)
				}
			}
			for _, f := range r.forbidden {
				if isStd(f) {
					for _, imp := range p.Imports {
						if matches(f, imp) {
							t.Errorf("%s imports %s, which its row forbids", rel, imp)
						}
					}
					continue
				}
				// A package of this module or another module is forbidden
				// with everything below it, directly or not.
				base := strings.TrimSuffix(f, "/...")
				if !strings.Contains(strings.Split(f, "/")[0], ".") {
					base = module + "/" + base
				}
				for _, dep := range p.Deps {
					if dep == base || strings.HasPrefix(dep, base+"/") {
						t.Errorf("%s depends on %s, which its row forbids", rel, dep)
						break
					}
				}
			}
		}
		for _, imp := range p.Imports {
			if imp == module+"/internal/testkit" {
				t.Errorf("%s imports internal/testkit outside its tests", rel)
			}
		}
		if !covered {
			t.Errorf("package %s is in no row of docs/architecture.md's package table", rel)
		}
	}
}
