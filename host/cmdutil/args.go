package cmdutil

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tfy-secrets/tfy-secrets/internal/dotenv"
)

// RefScheme prefixes a full secret reference.
const RefScheme = "tfy-secret://"

// maxArgLen bounds GROUP and SECRET arguments; real names and ids are far
// shorter, and a bound keeps a pasted blob out of error messages.
const maxArgLen = 512

// checkToken rejects what no name, id or key can hold. It describes the
// problem without repeating the argument, which may be a value pasted by
// mistake.
func checkToken(what, s string) error {
	switch {
	case s == "":
		return UsageError("%s is empty", what)
	case len(s) > maxArgLen:
		return UsageError("%s is longer than %d bytes", what, maxArgLen)
	case !utf8.ValidString(s):
		return UsageError("%s is not valid UTF-8", what)
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return UsageError("%s contains whitespace or a control character", what)
		}
	}
	// No name, id or key holds '='; an argument with one is most likely
	// KEY=VALUE typed where a name belongs, and would otherwise be echoed
	// by a "not found" error.
	if strings.Contains(s, "=") && what != "KEY" {
		return UsageError("%s contains '=': it looks like KEY=VALUE, and values are never given on the command line", what).
			WithHint("give values with --from-env KEY, --from-file KEY=PATH, --from-dotenv PATH or --prompt KEY")
	}
	return nil
}

// ValidateGroup checks a GROUP argument: a name, tenant:name or an id.
func ValidateGroup(s string) error {
	if err := checkToken("GROUP", s); err != nil {
		return err
	}
	parts := strings.Split(s, ":")
	if len(parts) > 2 {
		return UsageError("GROUP has %d ':'-separated parts: use NAME, TENANT:NAME or an id", len(parts))
	}
	for _, p := range parts {
		if p == "" {
			return UsageError("GROUP has an empty part around ':': use NAME, TENANT:NAME or an id")
		}
	}
	return nil
}

// ValidateKey checks a secret KEY. Store-specific rules (Azure forbids
// underscores, ...) are policy's job; here only what no store accepts.
func ValidateKey(s string) error {
	if err := checkToken("KEY", s); err != nil {
		return err
	}
	if strings.ContainsAny(s, ":=") {
		// Not quoted: after '=' may be a value.
		return UsageError("KEY contains ':' or '=': a key is a plain name such as DB_PASSWORD")
	}
	return nil
}

// ValidateSecret checks a SECRET argument: an id, GROUP:KEY,
// TENANT:GROUP:KEY or tfy-secret://TENANT:GROUP:KEY.
func ValidateSecret(s string) error {
	if err := checkToken("SECRET", s); err != nil {
		return err
	}
	body, isRef := strings.CutPrefix(s, RefScheme)
	parts := strings.Split(body, ":")
	switch {
	case isRef && len(parts) != 3:
		return UsageError("SECRET reference must be %sTENANT:GROUP:KEY", RefScheme)
	case !isRef && strings.Contains(body, "://"):
		return UsageError("SECRET uses an unknown scheme: only %s references are understood", RefScheme)
	case len(parts) > 3:
		return UsageError("SECRET has %d ':'-separated parts: use an id, GROUP:KEY or TENANT:GROUP:KEY", len(parts))
	}
	for _, p := range parts {
		if p == "" {
			return UsageError("SECRET has an empty part around ':': use an id, GROUP:KEY or TENANT:GROUP:KEY")
		}
	}
	return nil
}

// ValidateName checks the NAME of a group being created: a plain name, no
// tenant prefix.
func ValidateName(s string) error {
	if err := checkToken("NAME", s); err != nil {
		return err
	}
	if strings.Contains(s, ":") {
		return UsageError("NAME %q contains ':': give the plain group name, the tenant comes from your login", s)
	}
	return nil
}

// IsEnvName reports whether s looks like an environment variable name:
// a letter or '_', then letters, digits and '_' (ASCII only), the rule
// .env keys follow too. A byte loop rather than a regexp: compiling one at
// package init is a measurable part of every command's start
// (docs/benchmarks.md).
func IsEnvName(s string) bool { return dotenv.IsKey(s) }
