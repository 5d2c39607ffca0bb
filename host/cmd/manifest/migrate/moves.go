package migrate

import (
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/internal/manifest"
	"github.com/tfy-secrets/tfy-secrets/internal/secret"
)

// move is one value that goes into the group as one key: every location
// holding it is replaced by the same reference.
type move struct {
	name  string // the key the request gives: the name of its first location
	value secret.Value
	locs  []int // indexes into File.Locations, in file order
}

// skip is a credential left in the manifest, and why.
type skip struct {
	loc     int
	problem string // why it could not be migrated
	fix     string // what to do instead
}

// selection is what a migration moves and what it leaves.
type selection struct {
	moves   []move
	skipped []skip
}

// Why a credential stays where it is, when its place has no fix of its own.
const (
	problemInside = "the credential is part of a longer value, where a reference cannot go"
	fixInside     = "give the credential a value of its own (an env value that is only the credential), migrate that, and build the longer value in the application"
	problemShared = "the value is shared through a YAML anchor, so replacing it here would change every place that uses the anchor"
	fixShared     = "write the value out in each place that uses the anchor, then run migrate again"
	problemName   = "it has no name a secret key can take"
	fixName       = "give it a plain name (letters, digits, '_' and '-'), or move it by hand"
)

// selectMoves decides which values of f move. Without keys, every
// plaintext value the heuristics call a whole credential, in a place where
// the platform resolves references; with keys, exactly the plaintext
// values stored under those names, credentials or not. A value held in
// several places moves once, as one key. Credentials that cannot move are
// returned as skipped, with the reason. A name in keys that matches
// nothing movable, or two values that would both need one name, is a usage
// error naming the name and the places, never a value.
func selectMoves(f *manifest.File, file string, keys []string) (selection, error) {
	var sel selection
	named := map[string]bool{}
	for _, k := range keys {
		named[k] = true
	}
	chosen := func(l manifest.Location) bool {
		if len(keys) > 0 {
			return named[l.Name]
		}
		return l.Plaintext.Whole
	}
	var take []int
	for i, l := range f.Locations {
		if l.Null || l.Ref.Status != manifest.RefNone {
			continue
		}
		if !chosen(l) {
			// A credential left in a place migrate cannot fix is still
			// worth a word, whatever was asked for.
			if l.Plaintext.Flagged() && (len(keys) == 0 || named[l.Name]) {
				if s, ok := cannotMove(i, l, false); ok {
					sel.skipped = append(sel.skipped, s)
				}
			}
			continue
		}
		if s, ok := cannotMove(i, l, len(keys) > 0); ok {
			sel.skipped = append(sel.skipped, s)
			continue
		}
		take = append(take, i)
	}
	if err := checkNamed(f, file, keys, take); err != nil {
		return selection{}, err
	}
	// Values are told apart by a keyed digest: the grouping keeps no copy
	// of a value, and the key dies with the process.
	digestKey := make([]byte, 32)
	_, _ = rand.Read(digestKey)
	byValue := map[secret.Digest]int{}
	byName := map[string]int{}
	for _, i := range take {
		l := f.Locations[i]
		d := l.Value.Digest(digestKey)
		if m, ok := byValue[d]; ok {
			sel.moves[m].locs = append(sel.moves[m].locs, i)
			continue
		}
		if m, ok := byName[l.Name]; ok {
			first := f.Locations[sel.moves[m].locs[0]]
			return selection{}, cmdutil.UsageError("%s holds different values at %s and at %s, and a group holds one value per key",
				l.Name, where(f, file, first), where(f, file, l)).
				WithHint("migrate the documents into different groups, or give the values different names in the manifest")
		}
		byValue[d], byName[l.Name] = len(sel.moves), len(sel.moves)
		sel.moves = append(sel.moves, move{name: l.Name, value: l.Value, locs: []int{i}})
	}
	return sel, nil
}

// cannotMove says why location l cannot be replaced by a reference, if it
// cannot. explicit is true when --keys named it, so that a value that is
// not wholly a credential moves all the same.
func cannotMove(i int, l manifest.Location, explicit bool) (skip, bool) {
	switch support := l.Place.References(); {
	case support == manifest.Unresolved:
		return skip{i, manifest.RefCheck{Status: manifest.RefNotResolvedHere, Place: l.Place}.Message(), l.Place.Fix()}, true
	case support == manifest.Unknown:
		return skip{i, "the sources do not say whether a reference is resolved here", l.Place.Fix()}, true
	case !explicit && !l.Plaintext.Whole:
		return skip{i, problemInside, fixInside}, true
	case l.Shared:
		return skip{i, problemShared, fixShared}, true
	case keyName(l.Name) != nil:
		return skip{i, problemName, fixName}, true
	}
	return skip{}, false
}

// keyName checks that name can be a secret key and end a reference.
func keyName(name string) error {
	if err := cmdutil.ValidateKey(name); err != nil {
		return err
	}
	if strings.Contains(name, "/") {
		return errors.New("a key cannot hold '/'")
	}
	return nil
}

// checkNamed refuses a --keys name that does not lead to a value that can
// move, saying what the manifest holds under it instead.
func checkNamed(f *manifest.File, file string, keys []string, take []int) error {
	taken := map[string]bool{}
	for _, i := range take {
		taken[f.Locations[i].Name] = true
	}
	for _, k := range keys {
		if taken[k] {
			continue
		}
		var found []manifest.Location
		for _, l := range f.Locations {
			if l.Name == k {
				found = append(found, l)
			}
		}
		if len(found) == 0 {
			return cmdutil.UsageError("--keys %s: %s has no value of that name", k, file).
				WithHint("names are matched exactly, as the manifest spells them (an env name, a Secret's stringData key)")
		}
		// Say what stands in the way, most telling first: a reference, a
		// value in a place a reference cannot go, no value at all.
		l := found[0]
		if i := slices.IndexFunc(found, func(c manifest.Location) bool { return c.Ref.Status != manifest.RefNone }); i >= 0 {
			l = found[i]
		} else if i := slices.IndexFunc(found, func(c manifest.Location) bool { return !c.Null }); i >= 0 {
			l = found[i]
		}
		at := where(f, file, l)
		switch {
		case l.Ref.Status == manifest.RefOK:
			return cmdutil.UsageError("--keys %s: it is already a reference at %s", k, at)
		case l.Ref.Status != manifest.RefNone:
			return cmdutil.UsageError("--keys %s: it is already a reference at %s, a malformed one: %s", k, at, l.Ref.Message()).
				WithHint("%s", l.Ref.Fix(""))
		case l.Null:
			return cmdutil.UsageError("--keys %s: it has no value at %s", k, at)
		}
		s, _ := cannotMove(0, l, true)
		return cmdutil.UsageError("--keys %s: cannot migrate it at %s: %s", k, at, s.problem).WithHint("%s", s.fix)
	}
	return nil
}

// where names a location for messages: file:line, its path and, in a file
// of several documents, the document.
func where(f *manifest.File, file string, l manifest.Location) string {
	s := file + ":" + strconv.Itoa(l.Line) + " (" + l.Path.String()
	if len(f.Documents) > 1 {
		s += " of document " + strconv.Itoa(l.Document)
	}
	return s + ")"
}

// origin is a move's Origin in the plan: the first place it comes from,
// and how many more hold the same value. Never a value.
func origin(f *manifest.File, m move) string {
	l := f.Locations[m.locs[0]]
	s := "manifest " + l.Path.String()
	if len(f.Documents) > 1 {
		s += " of document " + strconv.Itoa(l.Document)
	}
	if n := len(m.locs) - 1; n > 0 {
		s += fmt.Sprintf(" and %d more", n)
	}
	return s
}
