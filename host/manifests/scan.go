package manifests

import (
	"errors"
	"fmt"
	"io"

	"github.com/tfy-secrets/tfy-secrets/internal/manifest"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// Position is where a finding is: the file, the 0-based document and the
// 1-based line and column (in characters) of the value, and its YAML path.
type Position struct {
	File     string `json:"file" yaml:"file"`
	Line     int    `json:"line" yaml:"line"`
	Column   int    `json:"column" yaml:"column"`
	Document int    `json:"document" yaml:"document"`
	Path     string `json:"path" yaml:"path"`

	seq int // the file's place in the order read, for sorting
}

// site is a value that is a reference attempt: where it is and what
// internal/manifest made of it.
type site struct {
	Position
	place manifest.Place
	check manifest.RefCheck
}

// credential is a plaintext value that looks like a credential.
type credential struct {
	Position
	name  string
	place manifest.Place
	found manifest.Assessment
}

// FileError is a file that could not be read as YAML (or at all), with
// where the reader stopped when it could tell. Message is drawn from the
// reader's fixed vocabulary: never any text of the file.
type FileError struct {
	File     string `json:"file" yaml:"file"`
	Line     int    `json:"line" yaml:"line"`
	Column   int    `json:"column" yaml:"column"`
	Document int    `json:"document" yaml:"document"`
	Message  string `json:"message" yaml:"message"`

	seq int
}

// Scan collects what check and where-used need from each file read, and
// nothing else: no value and no other text of a file is kept, so memory
// grows with the number of references, not with the bytes read.
type Scan struct {
	files  int
	sites  []site
	creds  []credential
	errors []FileError
}

// Add reads one file's bytes, or records why they could not be read: err
// is what File.Read returned.
func (s *Scan) Add(name string, data []byte, err error) error {
	seq := s.files
	s.files++
	switch {
	case errors.Is(err, errTooLarge):
		s.errors = append(s.errors, FileError{File: name, Message: fmt.Sprintf("the file is larger than %d MiB; manifests are far smaller, so it was not read", MaxFileSize>>20), seq: seq})
		return nil
	case err != nil:
		return err
	}
	f, err := manifest.Read(data)
	if err != nil {
		fe := FileError{File: name, Message: "not valid YAML", seq: seq}
		if se, ok := errors.AsType[*manifest.SyntaxError](err); ok {
			fe.Line, fe.Column, fe.Document, fe.Message = se.Line, se.Column, se.Document, "not valid YAML: "+se.Problem
		}
		s.errors = append(s.errors, fe)
		return nil
	}
	for _, l := range f.Locations {
		at := Position{File: name, Line: l.Line, Column: l.Column, Document: l.Document, Path: l.Path.String(), seq: seq}
		switch {
		case l.Ref.Status != manifest.RefNone:
			s.sites = append(s.sites, site{Position: at, place: l.Place, check: l.Ref})
		case l.Plaintext.Flagged():
			s.creds = append(s.creds, credential{Position: at, name: l.Name, place: l.Place, found: l.Plaintext})
		}
	}
	return nil
}

// Files is the number of files added.
func (s *Scan) Files() int { return s.files }

// HasReferences reports whether any file holds a reference attempt: only
// then does a check need the store.
func (s *Scan) HasReferences() bool { return len(s.sites) > 0 }

// Groups lists the distinct groups the well-formed references name, each
// with the distinct keys asked of it, in the order first met: the one
// CheckRefs request a check makes.
func (s *Scan) Groups() []plugin.RefGroup {
	at := map[string]int{}
	keys := map[string]bool{}
	var out []plugin.RefGroup
	for _, r := range s.sites {
		if r.check.Status != manifest.RefOK {
			continue
		}
		fqn := r.check.Ref.Tenant + ":" + r.check.Ref.Group
		i, ok := at[fqn]
		if !ok {
			i = len(out)
			at[fqn] = i
			out = append(out, plugin.RefGroup{FQN: fqn})
		}
		if k := fqn + ":" + r.check.Ref.Key; !keys[k] {
			keys[k] = true
			out[i].Keys = append(out[i].Keys, r.check.Ref.Key)
		}
	}
	return out
}

// refText is a reference as findings show it: the canonical form of what
// was read (repaired, for a malformed one, with <tenant> where none was
// written), never the value itself, which may hold more than a reference.
// A form too unfamiliar to read shows as "".
func refText(c manifest.RefCheck) string {
	if c.Ref == (manifest.Ref{}) {
		return ""
	}
	return c.Ref.String()
}

// ScanPaths expands PATH arguments (Expand) and adds every file to a new
// Scan; stdin is read from in.
func ScanPaths(paths []string, in io.Reader) (*Scan, error) {
	files, err := Expand(paths)
	if err != nil {
		return nil, err
	}
	scan := &Scan{}
	for _, file := range files {
		data, err := file.Read(in)
		if err := scan.Add(file.Name, data, err); err != nil {
			return nil, err
		}
	}
	return scan, nil
}
