package manifest

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// Scheme starts every TrueFoundry secret reference.
const Scheme = "tfy-secret://"

// Ref is a secret reference, tfy-secret://<tenant>:<group>:<key>. The tenant
// is the tenant name, keys are case-sensitive.
type Ref struct {
	Tenant, Group, Key string
}

// String renders the canonical form. A missing part renders as a
// placeholder, so a suggestion built from a reference without a tenant
// still says what belongs there.
func (r Ref) String() string {
	return Scheme + orPlaceholder(r.Tenant, "<tenant>") + ":" + orPlaceholder(r.Group, "<group>") + ":" + orPlaceholder(r.Key, "<key>")
}

func orPlaceholder(s, p string) string {
	if s == "" {
		return p
	}
	return s
}

// ErrRefPart is returned by FormatRef for a part that cannot appear in a
// reference.
var ErrRefPart = errors.New("invalid reference part")

// FormatRef builds the canonical reference. Every part must be non-empty and
// free of ':', '/' and whitespace, which would make the reference read back
// differently.
func FormatRef(tenant, group, key string) (string, error) {
	for _, p := range []struct{ name, v string }{{"tenant", tenant}, {"group", group}, {"key", key}} {
		if p.v == "" {
			return "", fmt.Errorf("%w: the %s is empty", ErrRefPart, p.name)
		}
		if strings.ContainsAny(p.v, ":/") || strings.IndexFunc(p.v, unicode.IsSpace) >= 0 || strings.IndexFunc(p.v, unicode.IsControl) >= 0 {
			return "", fmt.Errorf("%w: the %s holds ':', '/', whitespace or a control character", ErrRefPart, p.name)
		}
	}
	return Ref{tenant, group, key}.String(), nil
}

// RefStatus names what a value is as a reference. Each variant found in real
// manifests has its own status, message and fix, because each has its own
// repair; none of them resolves at deploy time.
type RefStatus string

// The statuses. RefNone is a value that is not an attempt at a reference.
const (
	RefNone            RefStatus = ""
	RefOK              RefStatus = "ok"
	RefWhitespace      RefStatus = "surrounding_whitespace"
	RefSchemeCase      RefStatus = "scheme_case"
	RefSchemeSlashes   RefStatus = "scheme_slashes"
	RefSlashSeparator  RefStatus = "slash_separator"
	RefMissingTenant   RefStatus = "missing_tenant"
	RefExtraPart       RefStatus = "extra_part"
	RefEmptySegment    RefStatus = "empty_segment"
	RefMissingScheme   RefStatus = "missing_scheme"
	RefEmbedded        RefStatus = "embedded"
	RefUnfamiliar      RefStatus = "unfamiliar"
	RefNotResolvedHere RefStatus = "not_resolved_here"
)

// RefStatuses lists every status but RefNone, for tests and documentation.
func RefStatuses() []RefStatus {
	return []RefStatus{RefOK, RefWhitespace, RefSchemeCase, RefSchemeSlashes, RefSlashSeparator, RefMissingTenant,
		RefExtraPart, RefEmptySegment, RefMissingScheme, RefEmbedded, RefUnfamiliar, RefNotResolvedHere}
}

// Broken reports whether the reference will not resolve as written.
func (s RefStatus) Broken() bool { return s != RefNone && s != RefOK }

// RefCheck is what ParseRef understood. Ref is the reference as best it can
// be read (Tenant empty when the value has none; all empty when the form is
// unfamiliar), which is what a fix suggests and what a group lookup uses.
type RefCheck struct {
	Status RefStatus
	Ref    Ref
	// Parts is the number of parts an extra_part reference has.
	Parts int
	// Empty names the empty part of an empty_segment reference.
	Empty string
	// Place is where a not_resolved_here reference sits.
	Place Place
	// schemeSlashes counts the slashes after "tfy-secret:".
	schemeSlashes int
}

// ParseRef reads a value where a reference may be written (an env value, a
// build secret, a Kubernetes Secret's stringData). A value that does not
// mention tfy-secret: at all is RefNone: plain text, not a broken reference.
func ParseRef(value string) RefCheck {
	trimmed := strings.TrimFunc(value, unicode.IsSpace)
	at := indexSchemeFold(trimmed)
	if at < 0 {
		return RefCheck{}
	}
	if at > 0 || strings.IndexFunc(trimmed, unicode.IsSpace) >= 0 {
		token := trimmed[at:]
		if end := strings.IndexFunc(token, func(r rune) bool { return unicode.IsSpace(r) || r == '"' || r == '\'' }); end >= 0 {
			token = token[:end]
		}
		c := parseWhole(token)
		return RefCheck{Status: RefEmbedded, Ref: c.Ref}
	}
	c := parseWhole(trimmed)
	if trimmed != value && c.Status == RefOK {
		c.Status = RefWhitespace
	}
	return c
}

// indexSchemeFold finds "tfy-secret:" in s in any case of its ASCII
// letters. strings.ToLower cannot be used to find it: lowering changes the
// byte length of invalid UTF-8 and of some letters, so its offsets would
// not be s's.
func indexSchemeFold(s string) int {
	const scheme = "tfy-secret:"
	for i := 0; i+len(scheme) <= len(s); i++ {
		match := true
		for j := 0; j < len(scheme); j++ {
			c := s[i+j]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != scheme[j] {
				match = false
				break
			}
		}
		if match {
			return i
		}
	}
	return -1
}

// parseFQN reads a field that must hold a reference (a mount's secret_fqn,
// a volume browser's password_secret_fqn): there a value without the scheme
// is a broken reference, not plain text.
func parseFQN(value string) RefCheck {
	if c := ParseRef(value); c.Status != RefNone {
		return c
	}
	c := RefCheck{Status: RefMissingScheme}
	trimmed := strings.TrimFunc(value, unicode.IsSpace)
	if parts := strings.Split(trimmed, ":"); len(parts) == 3 && parts[0] != "" && parts[1] != "" && parts[2] != "" &&
		strings.IndexFunc(trimmed, unicode.IsSpace) < 0 && !strings.Contains(trimmed, "/") {
		c.Ref = Ref{parts[0], parts[1], parts[2]}
	}
	return c
}

// parseWhole reads a value that starts with tfy-secret: (in any case) and
// holds no whitespace. The first problem found decides the status, in the
// order a person would fix them; Ref holds the reading with every problem
// repaired.
func parseWhole(v string) RefCheck {
	var c RefCheck
	scheme, rest := v[:len("tfy-secret:")], v[len("tfy-secret:"):]
	for strings.HasPrefix(rest, "/") {
		rest = rest[1:]
		c.schemeSlashes++
	}
	status := RefOK
	switch {
	case scheme != "tfy-secret:":
		status = RefSchemeCase
	case c.schemeSlashes != 2:
		status = RefSchemeSlashes
	}
	if strings.IndexFunc(rest, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0 {
		return RefCheck{Status: RefUnfamiliar}
	}
	body := status
	sep := ":"
	if strings.Contains(rest, "/") {
		body, sep = RefSlashSeparator, "/"
		rest = strings.ReplaceAll(rest, ":", "/")
	}
	parts := strings.Split(rest, sep)
	switch len(parts) {
	case 1:
		return RefCheck{Status: RefUnfamiliar}
	case 2:
		c.Ref = Ref{Group: parts[0], Key: parts[1]}
		if body == RefOK {
			body = RefMissingTenant
		}
	case 3:
		c.Ref = Ref{parts[0], parts[1], parts[2]}
	default:
		c.Parts = len(parts)
		if body == RefOK {
			body = RefExtraPart
		}
	}
	if c.Parts == 0 {
		names := []string{"tenant", "group", "key"}[3-len(parts):]
		for i, p := range parts {
			if p == "" {
				c.Empty = names[i]
				if body == RefOK || body == RefMissingTenant {
					body = RefEmptySegment
				}
				break
			}
		}
	}
	c.Status = status
	if status == RefOK {
		c.Status = body
	}
	return c
}

const canonical = "tfy-secret://<tenant>:<group>:<key>"

// Message says what is wrong with the reference, in terms of what was
// expected. It never repeats the value: a value that merely mentions
// tfy-secret: may still be a pasted secret.
func (c RefCheck) Message() string {
	switch c.Status {
	case RefWhitespace:
		return "the reference has whitespace around it, which is kept as part of the value; expected exactly " + canonical
	case RefSchemeCase:
		return "the scheme is not written in lower case; expected " + canonical
	case RefSchemeSlashes:
		return fmt.Sprintf("expected two slashes after tfy-secret:, found %d", c.schemeSlashes)
	case RefSlashSeparator:
		return "the parts are separated by '/'; expected ':' as in " + canonical
	case RefMissingTenant:
		return "expected three parts, " + canonical + "; this has two, so the tenant looks missing"
	case RefExtraPart:
		return fmt.Sprintf("expected three parts, %s; this has %d", canonical, c.Parts)
	case RefEmptySegment:
		return "the " + c.Empty + " part of the reference is empty; expected " + canonical
	case RefMissingScheme:
		return "this field must hold a reference, " + canonical + ", and the value does not start with tfy-secret://"
	case RefEmbedded:
		return "the reference is part of a longer value; the platform resolves a reference only when it is the whole value"
	case RefUnfamiliar:
		return "not a reference form this tool knows; expected " + canonical + " (TrueFoundry may accept other forms, such as a path in a connected secret store, so check it with tfy apply --dry-run)"
	case RefNotResolvedHere:
		return "references are not resolved in " + c.Place.describe()
	}
	return ""
}

// Fix says how to repair the reference. tenant is the logged-in tenant when
// known; it fills a missing tenant, else a placeholder stands there.
func (c RefCheck) Fix(tenant string) string {
	r := c.Ref
	if r.Tenant == "" {
		r.Tenant = tenant
	}
	switch c.Status {
	case RefWhitespace:
		return "remove the whitespace: " + r.String()
	case RefSchemeCase, RefSchemeSlashes, RefSlashSeparator, RefMissingTenant:
		return "write " + r.String()
	case RefEmptySegment:
		return "fill in the " + c.Empty + ": " + r.String()
	case RefExtraPart:
		return "keep only the tenant, the group and the key: " + canonical
	case RefMissingScheme:
		if c.Ref.Key != "" {
			return "add the scheme: " + r.String()
		}
		return "write a reference, " + canonical + ", and keep the value itself in a secret group"
	case RefEmbedded:
		if c.Ref.Key != "" {
			return "make the whole value " + r.String() + " and build the longer string in the application"
		}
		return "make the whole value a reference, " + canonical + ", and build the longer string in the application"
	case RefUnfamiliar:
		return "write " + canonical
	case RefNotResolvedHere:
		return c.Place.Fix()
	}
	return ""
}
