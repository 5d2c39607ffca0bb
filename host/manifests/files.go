// Package manifests is the host's side of `manifest check` and
// `where-used`: it finds the manifest files a command line names, reads
// them, turns what internal/manifest finds in them into findings (a
// reference's status, a plaintext credential, a file that is not YAML) or
// uses of a group, and writes those as text, GitHub workflow annotations,
// SARIF or the JSON and YAML documents.
//
// It reads files and stdin, which is the host's job, but never talks to
// TrueFoundry: which groups and keys exist comes in as the plugin's
// CheckRefs answer. Nothing it keeps or writes holds a value or any text
// of a file: only positions, YAML paths, names, references and the fixed
// reasons and messages of internal/manifest.
package manifests

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
)

// Stdin is the PATH that stands for standard input; StdinName is what
// findings call it.
const (
	Stdin     = "-"
	StdinName = "<stdin>"
)

// MaxFileSize bounds the bytes read of one manifest. Real manifests are
// kilobytes; a file past this is reported, not read. The YAML reader's node
// tree takes about 65 bytes of memory per byte of a file dense with env
// entries (a 3.8 MB file of 100,000 references peaks at 250 MB), so the
// bound is also what keeps one file from taking a CI runner's memory.
const MaxFileSize = 4 << 20

// File is one manifest file to read.
type File struct {
	// Name is what findings show: the path as given, or as found under a
	// directory given (joined to it), or StdinName.
	Name string
	path string // "" for stdin
}

// errTooLarge is a file past MaxFileSize; the scan reports it as a finding.
var errTooLarge = errors.New("too large")

// Read returns the file's bytes; stdin is read from in. A file past
// MaxFileSize gives errTooLarge, which Scan.Add reports as a finding.
func (f File) Read(in io.Reader) ([]byte, error) {
	r := in
	if f.path != "" {
		file, err := os.Open(f.path)
		if err != nil {
			return nil, fmt.Errorf("read manifest: %w", err)
		}
		defer file.Close()
		r = file
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", f.Name, err)
	}
	if len(data) > MaxFileSize {
		return nil, errTooLarge
	}
	return data, nil
}

// IsManifestName reports whether a file found under a directory is read:
// a *.yaml or *.yml name (in any case) that is not hidden.
func IsManifestName(name string) bool {
	if strings.HasPrefix(name, ".") {
		return false
	}
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".yaml" || ext == ".yml"
}

// skipDir reports whether a directory found under a directory given is
// left out: a hidden one (.git, .github, .venv), or the templates of a Helm
// chart (a templates directory beside Chart.yaml), which are Go templates
// that are not YAML until Helm renders them.
func skipDir(path, name string) bool {
	if strings.HasPrefix(name, ".") && name != "." && name != ".." {
		return true
	}
	if name == "templates" {
		if _, err := os.Stat(filepath.Join(filepath.Dir(path), "Chart.yaml")); err == nil {
			return true
		}
	}
	return false
}

// Expand turns PATH arguments into the files to read, in a stable order:
// each PATH in the order given; for a directory, the manifest files under
// it at any depth (IsManifestName) in lexical order, without descending
// into hidden directories, Helm chart templates or symbolic links to
// directories. A file named outright is read whatever its name. A file
// reached twice is read once; "-" (stdin) may be given once. A PATH that
// does not exist is a usage error.
func Expand(paths []string) ([]File, error) {
	files, _, err := expand(paths, -1)
	return files, err
}

// errEnough stops a walk that has seen as many entries as it may.
var errEnough = errors.New("enough entries")

// expand is Expand visiting at most limit directory entries, files and
// directories alike (-1: no limit); complete is false when it stopped there.
func expand(paths []string, limit int) (files []File, complete bool, err error) {
	var out []File
	visited := 0
	seen := map[string]bool{}
	add := func(name, path string) {
		key := filepath.Clean(path)
		if abs, err := filepath.Abs(path); err == nil {
			key = abs
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, File{Name: name, path: path})
		}
	}
	stdin := false
	for _, p := range paths {
		if p == Stdin {
			if stdin {
				return nil, false, cmdutil.UsageError("- (stdin) is given more than once")
			}
			stdin = true
			out = append(out, File{Name: StdinName})
			continue
		}
		if err := checkPath(p); err != nil {
			return nil, false, err
		}
		info, err := os.Stat(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, false, cmdutil.UsageError("PATH %q does not exist", p).WithHint("name manifest files, directories holding them, or - for stdin")
			}
			return nil, false, fmt.Errorf("read manifests: %w", err)
		}
		if !info.IsDir() {
			add(p, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return fmt.Errorf("read manifests: %w", err)
			}
			if visited++; limit >= 0 && visited > limit {
				return errEnough
			}
			switch {
			case d.IsDir():
				if path != p && skipDir(path, d.Name()) {
					return filepath.SkipDir
				}
			case !IsManifestName(d.Name()):
			case d.Type().IsRegular():
				add(path, path)
			case d.Type()&fs.ModeSymlink != 0:
				// A link to a file is read; a link to a directory is
				// not followed, so a loop of links cannot trap the walk.
				if target, err := os.Stat(path); err == nil && target.Mode().IsRegular() {
					add(path, path)
				}
			}
			return nil
		})
		if errors.Is(err, errEnough) {
			return out, false, nil
		}
		if err != nil {
			return nil, false, err
		}
	}
	return out, true, nil
}

// checkPath refuses a PATH no file can have, without repeating it: it may
// be something pasted by mistake.
func checkPath(p string) error {
	switch {
	case p == "":
		return cmdutil.UsageError("PATH is empty")
	case strings.ContainsRune(p, 0):
		return cmdutil.UsageError("PATH holds a NUL byte")
	}
	return nil
}
