package manifest

import (
	"errors"
	"sort"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// text maps the parser's positions back to bytes. go.yaml.in/yaml/v3 reports
// a node's line and column but no byte offset, and it counts the way libyaml
// does: a column is a count of characters (not bytes) from the line start,
// and a line ends at CR LF, CR, LF, NEL (U+0085), LS (U+2028) or PS (U+2029).
// A UTF-8 byte order mark at the very start is not part of line 1.
type text struct {
	src    []byte
	starts []int // byte offset where each line begins; starts[0] is line 1
}

func newText(src []byte) *text {
	t := &text{src: src, starts: make([]int, 1, 1+len(src)/32)}
	if len(src) >= 3 && src[0] == 0xEF && src[1] == 0xBB && src[2] == 0xBF {
		t.starts[0] = 3
	}
	for i := t.starts[0]; i < len(src); {
		if n := breakLen(src, i); n > 0 {
			i += n
			t.starts = append(t.starts, i)
			continue
		}
		i++
	}
	return t
}

// breakLen is the length in bytes of the line break at src[i], or 0.
func breakLen(src []byte, i int) int {
	switch c := src[i]; {
	case c == '\n':
		return 1
	case c == '\r':
		if i+1 < len(src) && src[i+1] == '\n' {
			return 2
		}
		return 1
	case c == 0xC2:
		if i+1 < len(src) && src[i+1] == 0x85 {
			return 2
		}
	case c == 0xE2:
		if i+2 < len(src) && src[i+1] == 0x80 && (src[i+2] == 0xA8 || src[i+2] == 0xA9) {
			return 3
		}
	}
	return 0
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// atBreakOrEnd reports whether src[i] is a line break or the end of input.
func (t *text) atBreakOrEnd(i int) bool { return i >= len(t.src) || breakLen(t.src, i) > 0 }

// offset converts a 1-based line and character column into a byte offset.
func (t *text) offset(line, col int) (int, bool) {
	if line < 1 || line > len(t.starts) || col < 1 {
		return 0, false
	}
	i := t.starts[line-1]
	for c := 1; c < col; c++ {
		if i >= len(t.src) || breakLen(t.src, i) > 0 {
			return 0, false
		}
		_, w := utf8.DecodeRune(t.src[i:])
		i += w
	}
	return i, true
}

// position converts a byte offset into a 1-based line and character column.
func (t *text) position(off int) (line, col int) {
	l := sort.Search(len(t.starts), func(i int) bool { return t.starts[i] > off })
	return l, utf8.RuneCount(t.src[t.starts[l-1]:off]) + 1
}

// lineEnd is the offset of the line break (or end of input) at or after i.
func (t *text) lineEnd(i int) int {
	for i < len(t.src) && breakLen(t.src, i) == 0 {
		i++
	}
	return i
}

// nextLine is the offset just past the line break at or after i, or
// len(src) when the input ends first.
func (t *text) nextLine(i int) int {
	i = t.lineEnd(i)
	if i < len(t.src) {
		i += breakLen(t.src, i)
	}
	return i
}

// skipSpace moves past blanks, line breaks and comments.
func (t *text) skipSpace(i int) int {
	for i < len(t.src) {
		switch {
		case isBlank(t.src[i]):
			i++
		case breakLen(t.src, i) > 0:
			i += breakLen(t.src, i)
		case t.src[i] == '#':
			i = t.lineEnd(i)
		default:
			return i
		}
	}
	return i
}

// valueStart moves from a node's reported position past its properties (an
// anchor "&name" and a tag "!x", in either order) to its first character. A
// scalar's own text can start with neither '&' nor '!' (they are
// indicators), so stopping at the first other character is exact. Each
// property ends where libyaml's scanner ends it: an anchor after its run of
// letters, digits, '_' and '-' ("&0?0" anchors the scalar "?0"), a tag
// after its run of URI characters, or at the '>' of a verbatim "!<...>".
func (t *text) valueStart(i int) int {
	for i < len(t.src) && (t.src[i] == '&' || t.src[i] == '!') {
		switch {
		case t.src[i] == '&':
			i++
			for i < len(t.src) && isAnchorChar(t.src[i]) {
				i++
			}
		case i+1 < len(t.src) && t.src[i+1] == '<':
			for i < len(t.src) && t.src[i] != '>' && breakLen(t.src, i) == 0 {
				i++
			}
			if i < len(t.src) && t.src[i] == '>' {
				i++
			}
		default:
			i++
			for i < len(t.src) && (isAnchorChar(t.src[i]) || strings.IndexByte(";/?:@&=+$,.!~*'()[]%", t.src[i]) >= 0) {
				i++
			}
		}
		i = t.skipSpace(i)
	}
	return i
}

func isAnchorChar(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' || c == '-'
}

// errNoSpan means the scalar's text could not be found where the parser put
// it. Callers refuse the edit rather than guess.
var errNoSpan = errors.New("cannot locate the value's text")

// scalarSpan is where a scalar's text lies: [start, end) covers the value
// itself (quotes, or a block scalar's header and content lines, included;
// properties excluded). For a block scalar, header holds the header line's
// trailing blanks and comment, which a rewrite keeps, and indent the
// content indentation; lineBreak is the break that ends the header line.
type scalarSpan struct {
	start, end int
	header     string
	indent     int
	lineBreak  string
	// attached is set when the text follows an anchor or tag with no blank
	// between ("&a?b"), which only some first characters may do.
	attached bool
}

// span finds the text of scalar n. parentIndent is the indentation of the
// block collection holding it (-1 for a document's root), which a block
// scalar with an indentation indicator is relative to; inFlow says it sits
// inside a flow collection, where ',', '[', ']', '{' and '}' end a plain
// scalar.
func (t *text) span(n *yaml.Node, parentIndent int, inFlow bool) (scalarSpan, error) {
	at, ok := t.offset(n.Line, n.Column)
	if !ok {
		return scalarSpan{}, errNoSpan
	}
	s := t.valueStart(at)
	if s >= len(t.src) {
		return scalarSpan{}, errNoSpan
	}
	var sp scalarSpan
	var err error
	switch c := t.src[s]; {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		if c != '"' {
			return scalarSpan{}, errNoSpan
		}
		sp, err = t.quotedSpan(s, '"')
	case n.Style&yaml.SingleQuotedStyle != 0:
		if c != '\'' {
			return scalarSpan{}, errNoSpan
		}
		sp, err = t.quotedSpan(s, '\'')
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		if c != '|' && c != '>' {
			return scalarSpan{}, errNoSpan
		}
		sp, err = t.blockSpan(s, parentIndent)
	default:
		sp, err = t.plainSpan(s, n.Value, inFlow)
	}
	sp.attached = s > at && !isBlank(t.src[s-1]) && !t.afterBreak(s)
	return sp, err
}

// afterBreak reports whether i starts a line.
func (t *text) afterBreak(i int) bool {
	_, col := t.position(i)
	return col == 1
}

func (t *text) quotedSpan(s int, q byte) (scalarSpan, error) {
	for i := s + 1; i < len(t.src); i++ {
		switch t.src[i] {
		case '\\':
			if q == '"' {
				i++ // the escaped character cannot close the string
			}
		case q:
			if q == '\'' && i+1 < len(t.src) && t.src[i+1] == '\'' {
				i++ // '' is an escaped quote
				continue
			}
			return scalarSpan{start: s, end: i + 1}, nil
		}
	}
	return scalarSpan{}, errNoSpan
}

// plainLine is the end of a plain scalar's text on the line where i starts
// it, as yaml_parser_scan_plain_scalar reads words: a word ends at a blank
// or a line break, the scalar at a word that starts with '#' (a comment),
// at ':' followed by a blank, a break or the end, and in flow context at
// ',', '?', '[', ']', '{' or '}'. Blanks after the last word are not text.
func (t *text) plainLine(i int, inFlow bool) int {
	end := i
	for !t.atBreakOrEnd(i) {
		if i > end && t.src[i] == '#' {
			return end
		}
		word := i
		for i < len(t.src) && !isBlank(t.src[i]) && breakLen(t.src, i) == 0 {
			c := t.src[i]
			if c == ':' && (t.atBreakOrEnd(i+1) || isBlank(t.src[i+1])) || inFlow && strings.IndexByte(",?[]{}", c) >= 0 {
				if i == word {
					return end // the blanks before this word are not text
				}
				return i
			}
			i++
		}
		end = i
		for i < len(t.src) && isBlank(t.src[i]) {
			i++
		}
	}
	return end
}

// foldedBreak is what a line break in a plain scalar reads as: libyaml
// turns CR LF, CR, LF and NEL into "\n" and keeps LS and PS.
func (t *text) foldedBreak(i int) string {
	if n := breakLen(t.src, i); n == 3 {
		return string(t.src[i : i+3])
	}
	return "\n"
}

// plainSpan finds a plain scalar's end by folding its lines the way libyaml
// does (a "\n" line break between two lines becomes a space, or the breaks
// of the empty lines between them) until the result equals the value the
// parser decoded. A plain scalar cannot hold a comment or a document
// marker, so either ends the search.
func (t *text) plainSpan(s int, value string, inFlow bool) (scalarSpan, error) {
	end := t.plainLine(s, inFlow)
	folded := string(t.src[s:end])
	for folded != value {
		// Only blanks may follow a line the scalar continues from: a comment
		// or a ": " ends it.
		if len(folded) >= len(value) || !t.restBlank(end) {
			return scalarSpan{}, errNoSpan
		}
		first := t.lineEnd(end)
		if first >= len(t.src) {
			return scalarSpan{}, errNoSpan
		}
		var empties []string
		next := -1
		for j := t.nextLine(end); j < len(t.src); j = t.nextLine(j) {
			k := j
			for k < len(t.src) && isBlank(t.src[k]) {
				k++
			}
			if k >= len(t.src) {
				break
			}
			if breakLen(t.src, k) > 0 {
				empties = append(empties, t.foldedBreak(k))
				continue
			}
			if t.src[k] != '#' && !(k == j && t.docMarker(j)) {
				next = k
			}
			break
		}
		if next < 0 {
			return scalarSpan{}, errNoSpan
		}
		lineEnd := t.plainLine(next, inFlow)
		if lineEnd == next {
			return scalarSpan{}, errNoSpan
		}
		switch b := t.foldedBreak(first); {
		case b != "\n":
			folded += b + strings.Join(empties, "")
		case len(empties) == 0:
			folded += " "
		default:
			folded += strings.Join(empties, "")
		}
		folded += string(t.src[next:lineEnd])
		end = lineEnd
	}
	return scalarSpan{start: s, end: end}, nil
}

// restBlank reports whether only blanks follow i on its line.
func (t *text) restBlank(i int) bool {
	for i < len(t.src) && isBlank(t.src[i]) {
		i++
	}
	return t.atBreakOrEnd(i)
}

// docMarker reports whether the line at i starts with "---" or "..."
// followed by a blank, a break or the end of input.
func (t *text) docMarker(i int) bool {
	if i+3 > len(t.src) {
		return false
	}
	m := string(t.src[i : i+3])
	return (m == "---" || m == "...") && (t.atBreakOrEnd(i+3) || isBlank(t.src[i+3]))
}

// blockSpan mirrors libyaml's yaml_parser_scan_block_scalar: the header
// ('|' or '>', then a chomping indicator and an indentation digit in either
// order, blanks and an optional comment), then every line whose indentation
// reaches the content indentation. The span ends with the last content line
// (its line break and any trailing empty lines are left outside).
func (t *text) blockSpan(s int, parentIndent int) (scalarSpan, error) {
	i := s + 1
	increment := 0
	for range 2 {
		if i < len(t.src) && (t.src[i] == '+' || t.src[i] == '-') {
			i++
		} else if i < len(t.src) && t.src[i] >= '1' && t.src[i] <= '9' {
			increment = int(t.src[i] - '0')
			i++
		}
	}
	headerEnd := i
	i = t.lineEnd(i)
	sp := scalarSpan{start: s, header: string(t.src[headerEnd:i])}
	if i >= len(t.src) {
		sp.end = i
		return sp, nil
	}
	sp.lineBreak = string(t.src[i : i+breakLen(t.src, i)])
	i += len(sp.lineBreak)

	indent := 0
	if increment > 0 {
		if parentIndent >= 0 {
			indent = parentIndent + increment
		} else {
			indent = increment
		}
	}
	// breaks eats indentation and empty lines from the start of a line and
	// returns the offset and column where a non-empty line continues.
	maxIndent := 0
	breaks := func(j int) (int, int) {
		for {
			col := 0
			for j < len(t.src) && (indent == 0 || col < indent) && t.src[j] == ' ' {
				j++
				col++
			}
			if col > maxIndent {
				maxIndent = col
			}
			if j >= len(t.src) || breakLen(t.src, j) == 0 {
				return j, col
			}
			j += breakLen(t.src, j)
		}
	}
	j, col := breaks(i)
	if indent == 0 {
		indent = max(maxIndent, parentIndent+1, 1)
	}
	sp.indent = indent
	sp.end = headerEnd + len(sp.header)
	for col == indent && j < len(t.src) {
		sp.end = t.lineEnd(j)
		j, col = breaks(t.nextLine(j))
	}
	return sp, nil
}
