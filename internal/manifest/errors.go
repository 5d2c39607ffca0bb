package manifest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// SyntaxError is malformed YAML. It says where, and what the parser
// expected, in words from a fixed vocabulary: never any text of the file,
// since a half-written value may be a secret.
type SyntaxError struct {
	// Document is the 0-based index of the document that failed.
	Document int
	// Line and Column are 1-based; Column is 0 when the problem could not be
	// pinned to a character.
	Line, Column int
	Problem      string
}

func (e *SyntaxError) Error() string {
	switch {
	case e.Line > 0 && e.Column > 0:
		return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Problem)
	case e.Line > 0:
		return fmt.Sprintf("line %d: %s", e.Line, e.Problem)
	}
	return fmt.Sprintf("document %d: %s", e.Document, e.Problem)
}

// problems are go.yaml.in/yaml/v3's scanner, parser and reader messages. They
// are fixed texts, so they may be shown; anything else the library says is
// replaced, because some of its messages quote the input (an undefined
// alias's name, which in a manifest may be a value typed after a '*').
var problems = map[string]bool{}

func init() {
	for _, p := range strings.Split(`block sequence entries are not allowed in this context
control characters are not allowed
could not find expected ':'
could not find expected directive name
did not find URI escaped octet
did not find expected '!'
did not find expected ',' or ']'
did not find expected ',' or '}'
did not find expected '-' indicator
did not find expected <document start>
did not find expected <stream-start>
did not find expected alphabetic or numeric character
did not find expected comment or line break
did not find expected digit or '.' character
did not find expected hexdecimal number
did not find expected key
did not find expected node content
did not find expected tag URI
did not find expected version number
did not find expected whitespace or line break
did not find expected whitespace
did not find the expected '>'
expected low surrogate area
found a tab character that violates indentation
found a tab character where an indentation space is expected
found an incorrect leading UTF-8 octet
found an incorrect trailing UTF-8 octet
found an indentation indicator equal to 0
found character that cannot start any token
found duplicate %TAG directive
found duplicate %YAML directive
found extremely long version number
found incompatible YAML document
found invalid Unicode character escape code
found undefined tag handle
found unexpected document indicator
found unexpected end of stream
found unexpected non-alphabetical character
found unknown directive name
found unknown escape character
incomplete UTF-8 octet sequence
invalid Unicode character
invalid leading UTF-8 octet
invalid length of a UTF-8 sequence
invalid trailing UTF-8 octet
mapping keys are not allowed in this context
mapping values are not allowed in this context
unexpected low surrogate area
document contains excessive aliasing`, "\n") {
		problems[p] = true
	}
}

const problemUnknownAnchor = "an alias refers to an anchor that is not defined before it"

var (
	lineRe     = regexp.MustCompile(`^line (\d+): `)
	maxDepthRe = regexp.MustCompile(`^exceeded max depth of \d+$`)
)

// problemOf turns a yaml error into a shown problem and the line the library
// gave, if any.
func problemOf(err error) (string, int) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := lineRe.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	}
	switch {
	case problems[msg], maxDepthRe.MatchString(msg):
		return msg, line
	case strings.HasPrefix(msg, "unknown anchor "):
		return problemUnknownAnchor, line
	case strings.HasPrefix(msg, "anchor ") && strings.HasSuffix(msg, " value contains itself"):
		return "an anchor's value contains an alias to itself", line
	}
	return "not valid YAML", line
}

// maxLocate bounds the input locateError bisects: each step parses a prefix
// again, and past this size a wrong line number is cheaper than the wait.
const maxLocate = 1 << 20

// locateError builds the SyntaxError for err, which decoding document doc
// of src returned. go.yaml.in/yaml/v3 reports a line only for some problems,
// and then often the line where the enclosing block started, never a
// column. The parser reads forward, so the first prefix of the input that
// fails with the same problem ends at the character that caused it: a
// bisection over lines, then over the bytes of that line, finds it.
func locateError(src []byte, t *text, doc int, err error) *SyntaxError {
	problem, line := problemOf(err)
	e := &SyntaxError{Document: doc, Line: line, Problem: problem}
	if len(src) > maxLocate {
		return e
	}
	fails := func(n int) bool {
		_, err := decodeAll(src[:n])
		if err == nil {
			return false
		}
		p, _ := problemOf(err)
		return p == problem
	}
	lines := len(t.starts)
	lineEnd := func(l int) int { return t.lineEnd(t.starts[l-1]) }
	// Smallest line whose end, included, makes the prefix fail.
	lo, hi := 1, lines
	if !fails(lineEnd(hi)) {
		return e
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if fails(lineEnd(mid)) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	start, end := t.starts[lo-1], lineEnd(lo)
	// Smallest cut inside that line that fails: the byte before it is the
	// one the parser stopped at.
	a, b := start, end
	for a < b {
		mid := (a + b) / 2
		if fails(mid) {
			b = mid
		} else {
			a = mid + 1
		}
	}
	at := max(a-1, start)
	for at > start && !utf8.RuneStart(src[at]) {
		at--
	}
	if problem == problemUnknownAnchor {
		// The parser fails once the alias's name has begun: point at its '*'.
		for at > start && src[at] != '*' {
			at--
		}
	}
	e.Line, e.Column = t.position(at)
	return e
}
