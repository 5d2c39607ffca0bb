package render

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text makes s safe to show on one line of a terminal. Names and messages
// come from the server (or an organisation's bundle), and a terminal obeys
// what is in them: ESC starts colour changes, cursor moves, screen
// clearing and window-title (OSC) sequences, \r and \b overwrite what was
// printed, U+202E reverses the text after it. Every such character is
// written as a visible escape instead: \x1b, \r, \u202e; invalid UTF-8
// bytes as \xff. Everything else, other scripts included, is kept. JSON
// and YAML documents are not passed through it: they must stay exact, and
// their encoders escape control characters themselves.
func Text(s string) string { return neutralise(s, false) }

// Block is Text for multi-line text shown as it is (policy source): line
// breaks and tabs are kept, every other control character is escaped.
func Block(s string) string { return neutralise(s, true) }

func neutralise(s string, multiline bool) string {
	if plain(s, multiline) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case multiline && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// unsafeRune reports the characters beyond ASCII that change how a
// terminal shows what follows: C1 controls (0x9b is a one-byte CSI on some
// terminals), format characters (bidirectional overrides and isolates,
// zero-width characters) and the line and paragraph separators.
func unsafeRune(r rune) bool {
	return (r >= 0x80 && r < 0xa0) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
}

// plain is the fast path: printable ASCII (and, for blocks, line breaks
// and tabs) needs no work, which is every name on a real tenant.
func plain(s string, multiline bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c < 0x7f || multiline && (c == '\n' || c == '\t') {
			continue
		}
		return false
	}
	return true
}
