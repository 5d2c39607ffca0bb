package manifest

import (
	"math"
	"regexp"
	"strings"
	"unicode"
)

// Assessment says whether a plaintext value looks like a credential and why.
// Reason is drawn from a fixed vocabulary plus, at most, a URL scheme, a
// name pattern or a manifest path: never any text of the value.
type Assessment struct {
	Reason string
	// Whole is true when the whole value is the credential (a password, a
	// token, a DSN or a URL with a password), so it can move into a secret
	// group as one key and be replaced by a reference. When false the
	// credential sits inside a longer value, where a reference cannot go.
	Whole bool
}

// Flagged reports whether the value looks like a credential.
func (a Assessment) Flagged() bool { return a.Reason != "" }

// Assess applies the heuristics of truefoundry-manifests.md section 4 to a
// value stored under name (an env name, a Helm values key, a build argument;
// empty when the place has no name). The shape of the value is checked
// first, because it is the more specific reason; the name second, and only
// for values that could be a secret at all (not a number, a boolean, a
// region, a host, a URL without a password, a path or a placeholder).
func Assess(name, value string) Assessment {
	v := strings.TrimFunc(value, unicode.IsSpace)
	if v == "" || ParseRef(v).Status != RefNone {
		return Assessment{}
	}
	if a := shape(v); a.Flagged() {
		return a
	}
	if pattern := sensitiveName(name); pattern != "" && !harmless(v, pattern) {
		return Assessment{Reason: "name matches " + pattern, Whole: true}
	}
	return Assessment{}
}

// A pattern is a credential shape with the reason it gives. whole anchors
// the same expression to the whole value.
type pattern struct {
	reason string
	re     *regexp.Regexp
	whole  *regexp.Regexp
}

func newPattern(reason, expr string) pattern {
	return pattern{reason, regexp.MustCompile(expr), regexp.MustCompile(`^(?:` + expr + `)$`)}
}

// patterns are tried in order; the first that matches gives the reason.
// Each is specific enough to flag a value whatever its name is.
var patterns = []pattern{
	newPattern("PEM private key", `-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?s:.*?)-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----`),
	newPattern("Slack webhook URL", `https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]{8,}`),
	newPattern("Sentry DSN", `https://[0-9a-f]{16,64}(?::[0-9a-f]{16,64})?@[A-Za-z0-9.-]*\bsentry\.io/[0-9]+|https://[0-9a-f]{16,64}@o[0-9]+\.ingest(?:\.[a-z]+)?\.sentry\.io/[0-9]+`),
	newPattern("JWT", `\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*`),
	newPattern("AWS access key id", `\b(?:AKIA|ASIA)[A-Z0-9]{16}\b`),
	newPattern("Stripe live key prefix", `\bsk_live_[A-Za-z0-9]{10,}`),
	newPattern("Stripe restricted key prefix", `\brk_(?:live|test)_[A-Za-z0-9]{10,}`),
	newPattern("Stripe test key prefix", `\bsk_test_[A-Za-z0-9]{10,}`),
	newPattern("Stripe webhook secret prefix", `\bwhsec_[A-Za-z0-9]{16,}`),
	newPattern("Anthropic key prefix", `\bsk-ant-[A-Za-z0-9_-]{20,}`),
	newPattern("OpenAI-style sk- key prefix", `\bsk-[A-Za-z0-9_-]{20,}`),
	newPattern("GitHub fine-grained token prefix", `\bgithub_pat_[A-Za-z0-9_]{22,}`),
	newPattern("GitHub token prefix", `\bgh[pousr]_[A-Za-z0-9]{30,}`),
	newPattern("GitLab token prefix", `\bglpat-[A-Za-z0-9_-]{20,}`),
	newPattern("Slack token prefix", `\bxox[bpas]-[A-Za-z0-9-]{10,}`),
	newPattern("Google API key prefix", `\bAIza[A-Za-z0-9_-]{35}\b`),
	newPattern("Hugging Face token prefix", `\bhf_[A-Za-z0-9]{30,}\b`),
	newPattern("npm token prefix", `\bnpm_[A-Za-z0-9]{36}\b`),
}

// urlPassword finds scheme://user:password@host; the scheme is the only
// part of the match a reason may name.
var urlPassword = regexp.MustCompile(`\b([A-Za-z][A-Za-z0-9+.-]{0,19})://[^\s:/?#@"']*:([^\s/?#@"']+)@[^\s/?#@"']`)

// assignment finds a password-like setting inside a longer value: a JVM
// flag (-Dspring.datasource.password=...), a config file line (password =
// ...), a query parameter (?password=...). The group is the setting's value,
// which may be a placeholder.
var assignment = regexp.MustCompile(`(?i)(?:^|[\s;&?,{"'.-])(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key)["']?\s*[:=]\s*["']?(\$\{[^}]*\}|\{\{[^}]*\}\}|[^\s"',;&}]{3,})`)

func shape(v string) Assessment {
	for _, p := range patterns {
		if p.re.MatchString(v) {
			if p.whole.MatchString(v) {
				return Assessment{Reason: p.reason, Whole: true}
			}
			return Assessment{Reason: p.reason + " inside a longer value"}
		}
	}
	if m := urlPassword.FindStringSubmatchIndex(v); m != nil {
		password := v[m[4]:m[5]]
		if !placeholder(password) && ParseRef(password).Status == RefNone {
			scheme := strings.ToLower(v[m[2]:m[3]])
			// The whole value is a DSN when nothing but the URL's own
			// characters surround the match.
			whole := m[0] == 0 && strings.IndexFunc(v, unicode.IsSpace) < 0
			if whole {
				return Assessment{Reason: scheme + " URL with password", Whole: true}
			}
			return Assessment{Reason: scheme + " URL with password inside a longer value"}
		}
	}
	if m := assignment.FindStringSubmatch(v); m != nil && !placeholder(m[1]) && ParseRef(m[1]).Status == RefNone {
		return Assessment{Reason: "password-like setting inside a longer value"}
	}
	if highEntropy(v) {
		return Assessment{Reason: "high-entropy string", Whole: true}
	}
	return Assessment{}
}

// nameRule is one name pattern: substring rules look for the text anywhere
// in the name with separators removed, token rules for a whole word of it.
type nameRule struct {
	label    string
	compact  string
	token    string
	suffixed bool // the token must be the name's last word
}

var nameRules = []nameRule{
	{label: "PASSWORD", compact: "PASSWORD"},
	{label: "PASSWD", compact: "PASSWD"},
	{label: "PASSPHRASE", compact: "PASSPHRASE"},
	{label: "PASS", token: "PASS", suffixed: true},
	{label: "PWD", token: "PWD"},
	{label: "SECRET", compact: "SECRET"},
	{label: "TOKEN", token: "TOKEN"},
	{label: "TOKEN", compact: "TOKEN", suffixed: true},
	{label: "API_KEY", compact: "APIKEY"},
	{label: "CREDENTIAL", compact: "CREDENTIAL"},
	{label: "CREDENTIAL", token: "CREDS"},
	{label: "DSN", token: "DSN"},
	{label: "PRIVATE", compact: "PRIVATE"},
	{label: "AUTH", token: "AUTH"},
	{label: "AUTH", token: "AUTHORIZATION"},
	{label: "COOKIE", compact: "COOKIE"},
	{label: "SIGNING", compact: "SIGNING"},
	{label: "WEBHOOK", compact: "WEBHOOK"},
	{label: "SALT", token: "SALT"},
	{label: "KEY", token: "KEY", suffixed: true},
}

// metaWords end names that describe a secret rather than hold one:
// PASSWORD_FILE is a path, TOKEN_URL an endpoint, SECRET_NAME a name,
// AWS_ACCESS_KEY_ID an identifier (flagged by its shape or next to its
// secret, not by its name).
var metaWords = map[string]bool{
	"NAME": true, "NAMES": true, "ID": true, "IDS": true, "TYPE": true, "KIND": true, "MODE": true,
	"ENABLED": true, "DISABLED": true, "ENABLE": true, "DISABLE": true, "REQUIRED": true,
	"TTL": true, "TIMEOUT": true, "EXPIRY": true, "EXPIRES": true, "EXPIRATION": true, "LIFETIME": true,
	"INTERVAL": true, "DAYS": true, "SECONDS": true, "LENGTH": true, "SIZE": true, "COUNT": true,
	"LIMIT": true, "MAX": true, "MIN": true, "REGION": true, "VERSION": true, "ALGORITHM": true, "ALG": true,
	"ISSUER": true, "AUDIENCE": true, "SCOPE": true, "SCOPES": true, "PROVIDER": true, "METHOD": true,
	"STRATEGY": true, "FORMAT": true, "FILE": true, "PATH": true, "DIR": true, "URL": true, "URI": true,
	"ENDPOINT": true, "HOST": true, "PORT": true, "PREFIX": true, "SUFFIX": true, "FIELD": true,
	"PARAM": true, "LEVEL": true, "BUCKET": true, "ARN": true, "LOCATION": true, "STORE": true,
	"MOUNT": true, "REF": true, "FQN": true, "USER": true, "USERNAME": true, "EMAIL": true,
}

// sensitiveName returns the pattern a name matches, or "".
func sensitiveName(name string) string {
	words := nameWords(name)
	if len(words) == 0 {
		return ""
	}
	for _, w := range words {
		// A public or publishable key is meant to be seen; a Helm chart's
		// existingSecret names a Kubernetes Secret rather than holding one.
		if w == "PUBLIC" || w == "PUBLISHABLE" || w == "EXISTING" {
			return ""
		}
	}
	last := words[len(words)-1]
	label := matchName(words, last)
	switch {
	case label == "":
		return ""
	case (label == "WEBHOOK" || label == "DSN") && (last == "URL" || last == "URI" || last == "ENDPOINT"):
		return label // a webhook's URL is the secret
	case metaWords[last]:
		return ""
	}
	return label
}

func matchName(words []string, last string) string {
	compact := strings.Join(words, "")
	for _, r := range nameRules {
		switch {
		case r.compact != "" && r.suffixed:
			if strings.HasSuffix(compact, r.compact) {
				return r.label
			}
		case r.compact != "":
			if strings.Contains(compact, r.compact) {
				return r.label
			}
		case r.suffixed:
			if last == r.token {
				return r.label
			}
		default:
			for _, w := range words {
				if w == r.token {
					return r.label
				}
			}
		}
	}
	return ""
}

// nameWords splits a name into upper-case words at separators and at
// lower-to-upper case changes: "postgresPassword" and "POSTGRES_PASSWORD"
// both give POSTGRES, PASSWORD.
func nameWords(name string) []string {
	var words []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			words = append(words, strings.ToUpper(string(cur)))
			cur = cur[:0]
		}
	}
	var prev rune
	for _, r := range name {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case unicode.IsUpper(r) && (unicode.IsLower(prev) || unicode.IsDigit(prev)):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
		prev = r
	}
	flush()
	return words
}

var (
	numberRe   = regexp.MustCompile(`^[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?(?:ms|s|m|h|d|w|[kKMGT]i?[bB]?)?$`)
	regionRe   = regexp.MustCompile(`^(?:[a-z]{2}(?:-gov)?-[a-z]+-\d|[a-z]+-[a-z]+\d(?:-[a-z])?)$`)
	hostRe     = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+(?::\d{1,5})?$`)
	urlRe      = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://\S*$`)
	pathRe     = regexp.MustCompile(`^(?:/|~/|\./|\.\./)\S*$`)
	arnRe      = regexp.MustCompile(`^arn:aws[a-z-]*:`)
	templateRe = regexp.MustCompile(`^(?:\$\{[^}]*\}|\$\([^)]*\)|\{\{.*\}\}|<[^<>]*>|%\([^)]*\)s?)$`)
)

var booleans = map[string]bool{"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true,
	"y": true, "n": true, "null": true, "none": true, "nil": true, "~": true, "enabled": true, "disabled": true}

// harmless reports whether a value under a sensitive-looking name cannot be a
// secret itself. A webhook's URL and a DSN are their own secrets, so URLs
// stay suspect under those names.
func harmless(v, pattern string) bool {
	switch {
	case booleans[strings.ToLower(v)], numberRe.MatchString(v), regionRe.MatchString(v), hostRe.MatchString(v),
		pathRe.MatchString(v), arnRe.MatchString(v), placeholder(v):
		return true
	case urlRe.MatchString(v):
		return pattern != "WEBHOOK" && pattern != "DSN"
	}
	return false
}

// placeholder reports a value that stands for one to be filled in later:
// ${VAR}, $(VAR), {{ .Values.x }}, <your-token>, or a run of x or *.
func placeholder(v string) bool {
	if templateRe.MatchString(v) {
		return true
	}
	return len(v) >= 3 && strings.Trim(v, "xX*") == ""
}

// highEntropy flags a long token that looks random: no whitespace, only
// base64, base64url or hex characters, letters of both cases and digits, and
// a Shannon entropy of at least 4 bits a character. Hex-only strings (commit
// ids, digests) and identifiers made of short words (model names, image
// tags) are left alone: in a manifest they are far more often ids than keys.
func highEntropy(v string) bool {
	if len(v) < 24 || len(v) > 4096 {
		return false
	}
	var upper, lower, digit bool
	for _, r := range v {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		case r == '+' || r == '/' || r == '=' || r == '_' || r == '-':
		default:
			return false
		}
	}
	if !upper || !lower || !digit {
		return false
	}
	longest := 0
	for _, seg := range strings.FieldsFunc(v, func(r rune) bool { return r == '-' || r == '_' || r == '/' }) {
		longest = max(longest, len(seg))
	}
	if longest < 16 {
		return false
	}
	return entropy(v) >= 4.0
}

func entropy(s string) float64 {
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	h := 0.0
	n := float64(len(s))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// repeats reports whether value carries credential inside it without being
// it: a password that reappears in a connection string or a JVM flag. Short
// credentials are ignored, since a four-letter password would be "found" in
// unrelated text.
func repeats(credential, value string) bool {
	return len(credential) >= 6 && value != credential && strings.Contains(value, credential)
}
