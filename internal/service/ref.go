package service

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

// refScheme prefixes the secret references deployments use.
const refScheme = "tfy-secret://"

// maxRefLen bounds a SECRET argument; real ones are far shorter, and the
// bound keeps error messages that quote it short.
const maxRefLen = 1024

// SecretRef is a parsed SECRET argument: either an ID, or a group (with an
// optional tenant) and a key.
type SecretRef struct {
	ID     string
	Tenant string
	Group  string
	Key    string
}

// ParseSecretRef parses a SECRET argument: a secret id, GROUP:KEY,
// tenant:GROUP:KEY or tfy-secret://tenant:GROUP:KEY. Malformed input gives a
// usage failure that says what is wrong and where.
func ParseSecretRef(s string) (SecretRef, error) {
	if s == "" {
		return SecretRef{}, refErr(s, "is empty").WithHint("give a secret id, GROUP:KEY or tfy-secret://TENANT:GROUP:KEY")
	}
	if len(s) > maxRefLen {
		return SecretRef{}, refErr(s, "is longer than %d bytes", maxRefLen)
	}
	if !utf8.ValidString(s) {
		return SecretRef{}, refErr(s, "is not valid UTF-8")
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }); i >= 0 {
		return SecretRef{}, refErr(s, "has a space or control character at byte %d", i)
	}
	body, scheme := strings.CutPrefix(s, refScheme)
	if !scheme && strings.Contains(s, "://") {
		return SecretRef{}, refErr(s, "has an unknown scheme").WithHint("references look like tfy-secret://TENANT:GROUP:KEY")
	}
	parts := strings.Split(body, ":")
	names := []string{"group", "key"}
	switch {
	case scheme && len(parts) != 3:
		return SecretRef{}, refErr(s, "must have three parts after tfy-secret://, found %d", len(parts)).WithHint("references look like tfy-secret://TENANT:GROUP:KEY")
	case len(parts) == 1:
		if strings.Contains(body, "/") {
			return SecretRef{}, refErr(s, "is not an id, GROUP:KEY or TENANT:GROUP:KEY")
		}
		return SecretRef{ID: body}, nil
	case len(parts) == 3:
		names = []string{"tenant", "group", "key"}
	case len(parts) > 3:
		return SecretRef{}, refErr(s, "has %d parts separated by \":\", at most 3 (TENANT:GROUP:KEY)", len(parts))
	}
	for i, p := range parts {
		if p == "" {
			return SecretRef{}, refErr(s, "has an empty %s", names[i])
		}
	}
	if len(parts) == 3 {
		return SecretRef{Tenant: parts[0], Group: parts[1], Key: parts[2]}, nil
	}
	return SecretRef{Group: parts[0], Key: parts[1]}, nil
}

// String renders the reference back in the form it was parsed from, with the
// scheme when a tenant is known.
func (r SecretRef) String() string {
	switch {
	case r.ID != "":
		return r.ID
	case r.Tenant != "":
		return formatRef(r.Tenant, r.Group, r.Key)
	default:
		return r.Group + ":" + r.Key
	}
}

// formatRef is the reference deployments use.
func formatRef(tenant, group, key string) string {
	return refScheme + tenant + ":" + group + ":" + key
}

func refErr(s, format string, args ...any) *failure.Error {
	return failure.New(failure.Usage, "secret reference %s "+format, append([]any{quoteShort(s)}, args...)...)
}

// quoteShort quotes user input for a message, cut to a readable length.
func quoteShort(s string) string {
	const max = 80
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return strconv.Quote(s[:cut]) + "..."
	}
	return strconv.Quote(s)
}
