package manifests

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/render"
	"github.com/tfy-secrets/tfy-secrets/internal/manifest"
)

// Target is what where-used looks for: a group, or one key of it. A
// GROUP:KEY argument is ambiguous with TENANT:GROUP, so a target may have
// two readings; a reference matching either is a use.
type Target struct {
	readings []reading
	// About names the target for people: `secret group "g"`, `key "K" of
	// secret group "g"`, or both readings joined by "or".
	About string
}

type reading struct{ tenant, group, key string }

func (r reading) matches(ref manifest.Ref) bool {
	// A reference that names no tenant (a malformed one) still points at
	// the group in whichever tenant it is deployed to.
	return ref.Group == r.group && (r.tenant == "" || ref.Tenant == "" || ref.Tenant == r.tenant) && (r.key == "" || ref.Key == r.key)
}

func (r reading) about() string {
	g := "secret group " + quote(r.group)
	if r.tenant != "" {
		g += " of tenant " + quote(r.tenant)
	}
	if r.key == "" {
		return g
	}
	return "key " + quote(r.key) + " of " + g
}

func quote(s string) string { return `"` + s + `"` }

// maxTarget bounds the argument; real names are far shorter.
const maxTarget = 512

// ParseTarget reads where-used's GROUP[:KEY] argument: GROUP, TENANT:GROUP
// or GROUP:KEY (both read, as the words cannot tell them apart),
// TENANT:GROUP:KEY, or a whole tfy-secret://TENANT:GROUP:KEY reference.
// Errors say what is wrong without repeating the argument, which may be
// something pasted by mistake.
func ParseTarget(s string) (Target, error) {
	switch {
	case s == "":
		return Target{}, cmdutil.UsageError("GROUP is empty")
	case len(s) > maxTarget:
		return Target{}, cmdutil.UsageError("GROUP[:KEY] is longer than %d bytes", maxTarget)
	case !utf8.ValidString(s):
		return Target{}, cmdutil.UsageError("GROUP[:KEY] is not valid UTF-8")
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) >= 0:
		return Target{}, cmdutil.UsageError("GROUP[:KEY] holds whitespace or a control character")
	case strings.ContainsAny(s, "=/") && !strings.HasPrefix(s, manifest.Scheme):
		return Target{}, cmdutil.UsageError("GROUP[:KEY] holds '=' or '/': name a group, TENANT:GROUP, GROUP:KEY or a tfy-secret:// reference")
	}
	body, isRef := strings.CutPrefix(s, manifest.Scheme)
	if isRef && strings.ContainsAny(body, "=/") {
		return Target{}, cmdutil.UsageError("the reference holds '=' or '/' after tfy-secret://")
	}
	parts := strings.Split(body, ":")
	if slices.Contains(parts, "") {
		return Target{}, cmdutil.UsageError("GROUP[:KEY] has an empty part around ':'")
	}
	var rs []reading
	switch {
	case isRef && len(parts) != 3:
		return Target{}, cmdutil.UsageError("a reference is tfy-secret://TENANT:GROUP:KEY; this one has %d parts", len(parts))
	case len(parts) == 1:
		rs = []reading{{group: parts[0]}}
	case len(parts) == 2:
		rs = []reading{{group: parts[0], key: parts[1]}, {tenant: parts[0], group: parts[1]}}
	case len(parts) == 3:
		rs = []reading{{tenant: parts[0], group: parts[1], key: parts[2]}}
	default:
		return Target{}, cmdutil.UsageError("GROUP[:KEY] has %d ':'-separated parts: use GROUP, TENANT:GROUP, GROUP:KEY or TENANT:GROUP:KEY", len(parts))
	}
	return targetOf(rs), nil
}

func targetOf(rs []reading) Target {
	abouts := make([]string, len(rs))
	for i, r := range rs {
		abouts[i] = r.about()
	}
	return Target{readings: rs, About: strings.Join(abouts, " or ")}
}

// keyReading is t with only its readings that name a key.
func (t Target) keyReading() Target {
	return targetOf(slices.DeleteFunc(slices.Clone(t.readings), func(r reading) bool { return r.key == "" }))
}

// Use is one manifest location that references the target: the
// where-used document's entry.
type Use struct {
	Position `yaml:",inline"`
	Ref      string `json:"ref" yaml:"ref"`
}

// Uses is the where-used document.
type Uses struct {
	Uses []Use `json:"uses" yaml:"uses"`
}

// Uses lists the references to t, well-formed or not, in file order and
// then by position.
func (s *Scan) Uses(t Target) Uses {
	out := Uses{Uses: []Use{}}
	for _, site := range s.sites {
		if site.check.Ref == (manifest.Ref{}) {
			continue
		}
		if slices.ContainsFunc(t.readings, func(r reading) bool { return r.matches(site.check.Ref) }) {
			out.Uses = append(out.Uses, Use{Position: site.Position, Ref: refText(site.check)})
		}
	}
	slices.SortStableFunc(out.Uses, func(a, b Use) int {
		if a.seq != b.seq {
			return a.seq - b.seq
		}
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Column - b.Column
	})
	return out
}

// BlastRadiusEntries bounds the directory entries CountUses visits: a
// delete run from a home directory must not walk it all.
const BlastRadiusEntries = 20000

// CountUses counts the references to t in the manifests under dir, for the
// warning of a delete: at most BlastRadiusEntries files and directories
// are visited (complete is false when there were more), and a file or directory that cannot be
// read is left out rather than reported, since the count only adds to a
// command that does not depend on it.
func CountUses(dir string, t Target) (n int, complete bool) {
	files, complete, err := expand([]string{dir}, BlastRadiusEntries)
	if err != nil {
		return 0, false
	}
	var scan Scan
	for _, f := range files {
		// Add fails only on the read error it is given; a file that
		// cannot be read is left out.
		if data, err := f.Read(nil); err == nil {
			_ = scan.Add(f.Name, data, nil)
		}
	}
	return len(scan.Uses(t).Uses), complete
}

// FileErrors lists the files that could not be read, in the order read.
func (s *Scan) FileErrors() []FileError { return slices.Clone(s.errors) }

// WarnBlastRadius writes to w, before a delete of what arg names (a group;
// with secret, a GROUP:KEY or TENANT:GROUP:KEY secret), how many references
// in the manifests under dir use it; nothing when none do, or when arg is
// an id, which names nothing a manifest can reference.
func WarnBlastRadius(w io.Writer, dir, arg string, secret bool) {
	if secret && !strings.Contains(arg, ":") {
		return
	}
	t, err := ParseTarget(arg)
	if err != nil {
		return
	}
	if secret {
		// A secret is GROUP:KEY, never TENANT:GROUP: keep the key reading.
		t = t.keyReading()
	}
	n, complete := CountUses(dir, t)
	if n == 0 {
		return
	}
	where := "the manifests under " + dir
	if !complete {
		where = fmt.Sprintf("the manifests among the first %d entries under %s", BlastRadiusEntries, dir)
	}
	use, breaks := "use", "break"
	if n == 1 {
		use, breaks = "uses", "breaks"
	}
	fmt.Fprintf(w, "warning: %s in %s %s %s, and %s when it is deleted (tfy-secrets where-used %s lists them)\n",
		plural(n, "reference"), render.Text(where), use, t.About, breaks, render.Text(arg))
}
