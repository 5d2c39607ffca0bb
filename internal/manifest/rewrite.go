package manifest

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Edit replaces the scalar at Path in document Document (0-based, counting
// every YAML document of the file) with Value, the new decoded value.
type Edit struct {
	Document int
	Path     Path
	Value    string
}

// EditError says why an edit was refused. Reason comes from a fixed
// vocabulary and may name lines, anchors and paths, never a value.
type EditError struct {
	Document int
	Path     Path
	Reason   string
}

func (e *EditError) Error() string {
	return fmt.Sprintf("document %d: %s: %s", e.Document, e.Path, e.Reason)
}

// errNoWay is the reason for an edit no text can carry out: libyaml
// rejects every way of writing the value in that spot, for instance a
// quoted scalar before a line that starts with a tab, where only a plain
// scalar may go.
const errNoWay = "no way of writing the new value reads back as it here without changing the text around it"

// ErrRewriteMismatch means the rewritten bytes did not read back as the
// edits intended. It is a bug in this package, and no output is returned.
var ErrRewriteMismatch = errors.New("the rewritten manifest does not read back as planned")

// splice is one replacement of src[start:end]. texts are the ways of
// writing the new value, best first: the one that keeps the scalar's style,
// then others that read back the same where libyaml rejects the first (a
// quoted scalar may not be followed by a line that starts with a tab, where
// a plain one may).
type splice struct {
	start, end int
	texts      []string
	node       *yaml.Node
	edit       Edit
}

// Rewrite returns the file's bytes with the scalars the edits name replaced,
// and nothing else changed: comments, key order, indentation, anchors,
// blank lines, other documents, line endings and the final newline are
// copied byte for byte. Each new value keeps its scalar's quoting style when
// it can: a double-quoted value stays double-quoted, a single-quoted one
// single-quoted, a plain one plain when the new text reads back as the same
// string, else it is double-quoted; a literal block stays a block for a
// multi-line value, and a block replaced by a one-line value becomes a
// plain or quoted scalar that keeps the header's comment.
//
// An edit is refused (an *EditError, and no output) when its path does not
// lead to one scalar, when the value is shared through an anchor (reached
// through an alias or a merge key, or anchored and aliased elsewhere: one
// edit would silently change several places), when the scalar has a tag
// other than !!str, when it is empty and so has no text to replace, or when
// no way of writing the value reads back as it in that spot. The result is
// parsed again before it is returned, and must hold exactly the new values
// at the edited paths and every other scalar unchanged.
func (f *File) Rewrite(edits []Edit) ([]byte, error) {
	var splices []splice
	for _, e := range edits {
		s, err := f.plan(e)
		if err != nil {
			return nil, err
		}
		splices = append(splices, s)
	}
	sort.Slice(splices, func(i, j int) bool { return splices[i].start < splices[j].start })
	for i := 1; i < len(splices); i++ {
		if splices[i].start < splices[i-1].end {
			e := splices[i].edit
			return nil, &EditError{e.Document, e.Path, "two edits change the same value"}
		}
	}
	choice := make([]int, len(splices))
	out := f.splice(splices, choice)
	if f.verify(out, splices) == nil {
		return out, nil
	}
	// Some text did not read back: find, edit by edit, a way of writing
	// each value that does, then check them together.
	for i, s := range splices {
		one := []splice{s}
		found := false
		for c := range s.texts {
			if f.verify(f.splice(one, []int{c}), one) == nil {
				choice[i], found = c, true
				break
			}
		}
		if !found {
			return nil, &EditError{s.edit.Document, s.edit.Path, errNoWay}
		}
	}
	out = f.splice(splices, choice)
	if err := f.verify(out, splices); err != nil {
		return nil, err
	}
	return out, nil
}

// splice builds the output with text choice[i] for splices[i].
func (f *File) splice(splices []splice, choice []int) []byte {
	src := f.text.src
	var out []byte
	at := 0
	for i, s := range splices {
		out = append(out, src[at:s.start]...)
		out = append(out, s.texts[choice[i]]...)
		at = s.end
	}
	return append(out, src[at:]...)
}

// target is a resolved edit: the scalar and what its text depends on.
type target struct {
	node         *yaml.Node
	parentIndent int
	inFlow       bool
	shared       bool // reached through a merge key
}

// resolve follows e.Path from the document root.
func (f *File) resolve(e Edit) (target, error) {
	refuse := func(reason string) (target, error) { return target{}, &EditError{e.Document, e.Path, reason} }
	if e.Document < 0 || e.Document >= len(f.docs) || len(f.docs[e.Document].Content) == 0 {
		return refuse("the file has no such document")
	}
	t := target{node: f.docs[e.Document].Content[0], parentIndent: -1}
	w := newWalker(f, e.Document)
	for _, seg := range e.Path {
		n, via := deref(t.node)
		if via {
			return refuse(fmt.Sprintf("the path goes through an alias of the anchor &%s on line %d, so changing the value would change every place that uses the anchor", n.Anchor, n.Line))
		}
		if w.aliased[n] {
			return refuse(anchorUse(f, e.Document, n))
		}
		if n.Style&yaml.FlowStyle != 0 {
			t.inFlow = true
		}
		switch {
		case seg.IsIndex && n.Kind == yaml.SequenceNode:
			if seg.Index < 0 || seg.Index >= len(n.Content) {
				return refuse("no such value")
			}
			t.parentIndent = f.indentOf(n)
			t.node = n.Content[seg.Index]
		case !seg.IsIndex && n.Kind == yaml.MappingNode:
			var found []entry
			for _, x := range w.entries(n, false) {
				if x.key == seg.Key {
					found = append(found, x)
				}
			}
			switch len(found) {
			case 0:
				return refuse("no such value")
			case 1:
			default:
				return refuse(fmt.Sprintf("the key is defined %d times (lines %s); remove the duplicates first", len(found), lines(found)))
			}
			t.shared = t.shared || found[0].shared
			t.parentIndent = f.indentOf(n)
			t.node = found[0].val
		default:
			return refuse("no such value")
		}
	}
	n, via := deref(t.node)
	switch {
	case via:
		return refuse(fmt.Sprintf("the value is an alias of the anchor &%s on line %d; edit the anchor, or write the value out here", n.Anchor, n.Line))
	case w.aliased[n]:
		return refuse(anchorUse(f, e.Document, n))
	case t.shared:
		return refuse("the value comes from another mapping through a merge key (<<), so changing it would change every place that merges it")
	}
	return t, nil
}

// anchorUse explains why an anchored node that aliases refer to cannot be
// edited through one path.
func anchorUse(f *File, doc int, n *yaml.Node) string {
	return fmt.Sprintf("the value is (or is inside) the anchor &%s, which aliases on lines %s refer to, so changing it would change them too", n.Anchor, strings.Join(f.aliasesOf(doc, n), ", "))
}

func lines(es []entry) string {
	var s []string
	for _, e := range es {
		s = append(s, strconv.Itoa(e.keyNode.Line))
	}
	return strings.Join(s, ", ")
}

// indentOf is the indentation of a block collection, which a block scalar's
// indentation indicator counts from, as libyaml takes it: for a sequence the
// column of its first "-" (past the sequence's own anchor or tag, which sit
// on an earlier line); for a mapping the column where its first key starts,
// the key's own anchor or tag included, or its "?" if the key is explicit.
func (f *File) indentOf(n *yaml.Node) int {
	at := -1
	switch {
	case n.Kind == yaml.SequenceNode:
		if o, ok := f.text.offset(n.Line, n.Column); ok {
			at = f.text.valueStart(o)
		}
	case n.Kind == yaml.MappingNode && len(n.Content) > 0:
		if o, ok := f.text.offset(n.Content[0].Line, n.Content[0].Column); ok {
			at = o
			i := o
			for i > 0 && isBlank(f.text.src[i-1]) {
				i--
			}
			if i > 0 && f.text.src[i-1] == '?' {
				at = i - 1
			}
		}
	}
	if at < 0 {
		return -1
	}
	_, col := f.text.position(at)
	return col - 1
}

// plan checks an edit and works out its splice.
func (f *File) plan(e Edit) (splice, error) {
	refuse := func(reason string) (splice, error) { return splice{}, &EditError{e.Document, e.Path, reason} }
	t, err := f.resolve(e)
	if err != nil {
		return splice{}, err
	}
	n := t.node
	switch {
	case n.Kind != yaml.ScalarNode:
		return refuse("the value is a mapping or a list, not a single value")
	case n.Style&yaml.TaggedStyle != 0 && n.Tag != "!!str":
		return refuse("the value has the tag " + n.Tag + ", which a new string would contradict")
	case n.Tag == "!!null" && n.Value == "" && n.Style == 0:
		return refuse("the value is empty, so there is no text to replace")
	case !utf8.ValidString(e.Value):
		return refuse("the new value is not valid UTF-8")
	}
	sp, err := f.text.span(n, t.parentIndent, t.inFlow)
	if err != nil {
		return refuse(err.Error())
	}
	texts := f.encode(e.Value, n, sp, t)
	// A blank goes before the new text where the old text was attached to
	// an anchor or tag (a quote may not touch one), and where it started a
	// line: there libyaml takes a block scalar's header as a sequence item's
	// value ("-" then ">" below it) but not a quoted scalar, and a plain
	// "..." would end the document.
	if _, col := f.text.position(sp.start); sp.attached || col == 1 {
		for i := range texts {
			texts[i] = " " + texts[i]
		}
	}
	return splice{start: sp.start, end: sp.end, texts: texts, node: n, edit: e}, nil
}

// aliasesOf lists the lines of the aliases to anchored node n.
func (f *File) aliasesOf(doc int, n *yaml.Node) []string {
	var uses []string
	var walk func(*yaml.Node)
	walk = func(x *yaml.Node) {
		if x.Kind == yaml.AliasNode {
			if x.Alias == n {
				uses = append(uses, strconv.Itoa(x.Line))
			}
			return
		}
		for _, c := range x.Content {
			walk(c)
		}
	}
	walk(f.docs[doc])
	return uses
}

// encode lists the ways of writing v in place of scalar n, the one that
// keeps n's style first.
func (f *File) encode(v string, n *yaml.Node, sp scalarSpan, t target) []string {
	var texts []string
	add := func(ok bool, s string) {
		if ok && !slices.Contains(texts, s) {
			texts = append(texts, s)
		}
	}
	plain, single := plainSafe(v, t.inFlow, false), singleSafe(v)
	singleText := "'" + strings.ReplaceAll(v, "'", "''") + "'"
	// Last resort for a value such as "123" where no quote may go: a plain
	// scalar tagged as a string.
	tagged := !plain && plainSafe(v, t.inFlow, true)
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		add(true, doubleQuoted(v))
		add(single, singleText)
		add(plain, v)
	case n.Style&yaml.SingleQuotedStyle != 0:
		add(single, singleText)
		add(true, doubleQuoted(v))
		add(plain, v)
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		if n.Style&yaml.LiteralStyle != 0 && strings.Contains(v, "\n") {
			block, ok := literalBlock(v, sp, sp.end == len(f.text.src))
			add(ok, block)
		}
		// The header's comment had the block's line to itself; it follows
		// the one-line scalar now, after a blank ("|#c" needs none, but
		// "value#c" would read as one word).
		header := sp.header
		if header != "" && !isBlank(header[0]) {
			header = " " + header
		}
		add(plain, v+header)
		add(true, doubleQuoted(v)+header)
		add(single, singleText+header)
		add(tagged, "!!str "+v+header)
	default:
		add(plain, v)
		add(true, doubleQuoted(v))
		add(single, singleText)
		add(tagged, "!!str "+v)
	}
	return texts
}

// doubleQuoted writes v as a double-quoted scalar on one line: every
// character that is not printable, or that would break the line, is escaped.
func doubleQuoted(v string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range v {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		case 0x85:
			b.WriteString(`\N`)
		case 0x2028:
			b.WriteString(`\L`)
		case 0x2029:
			b.WriteString(`\P`)
		default:
			switch {
			case printable(r):
				b.WriteRune(r)
			case r <= 0xFF:
				fmt.Fprintf(&b, `\x%02X`, r)
			case r <= 0xFFFF:
				fmt.Fprintf(&b, `\u%04X`, r)
			default:
				fmt.Fprintf(&b, `\U%08X`, r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// printable is YAML's c-printable minus the line breaks and the byte order
// mark, which a scalar's text must not hold unescaped.
func printable(r rune) bool {
	switch {
	case r == '\t', r >= 0x20 && r <= 0x7E:
		return true
	case r >= 0xA0 && r <= 0xD7FF:
		return r != 0x2028 && r != 0x2029
	case r >= 0xE000 && r <= 0xFFFD:
		return r != 0xFEFF
	case r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}

// singleSafe reports whether v can be written single-quoted on one line.
func singleSafe(v string) bool {
	for _, r := range v {
		if r == '\t' || !printable(r) {
			return false
		}
	}
	return true
}

// plainSafe reports whether v, written unquoted after "key: " (after
// "key: !!str " when tagged), reads back as exactly the string v: no
// indicator that would start a comment, a mapping, an anchor or a quoted
// scalar and, untagged, not a number, boolean or null. It asks the parser
// itself rather than restating YAML's resolution rules.
func plainSafe(v string, inFlow, tagged bool) bool {
	if v == "" || strings.TrimSpace(v) != v || !singleSafe(v) || strings.ContainsAny(v[:1], "-?:,[]{}#&*!|>'\"%@`") {
		return false
	}
	if inFlow && strings.ContainsAny(v, ",[]{}") {
		return false
	}
	text := v
	if tagged {
		text = "!!str " + v
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("k: "+text+"\n"), &doc); err != nil || len(doc.Content) != 1 {
		return false
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode || len(m.Content) != 2 {
		return false
	}
	s := m.Content[1]
	return s.Kind == yaml.ScalarNode && s.Style&^yaml.TaggedStyle == 0 && s.Tag == "!!str" && s.Value == v
}

// literalBlock writes a multi-line v as a literal block scalar with the
// original's content indentation and line breaks, keeping the header's
// comment. Chomping follows v's end: "|-" without a final line break, "|"
// with one. It declines (ok false) values a literal block cannot carry
// exactly: more than one final line break (keep chomping would also take
// the blank lines that follow the block), a first line that starts with a
// space (it would change the detected indentation), characters that are
// not printable, or a final break at the very end of a file without one
// (it would be lost).
func literalBlock(v string, sp scalarSpan, atEOF bool) (string, bool) {
	header := "|-"
	body := v
	if strings.HasSuffix(v, "\n") {
		header, body = "|", strings.TrimSuffix(v, "\n")
		if strings.HasSuffix(body, "\n") || atEOF {
			return "", false
		}
	}
	lines := strings.Split(body, "\n")
	first := ""
	for _, l := range lines {
		if l != "" {
			first = l
			break
		}
	}
	if first == "" || first[0] == ' ' || sp.lineBreak == "" || sp.indent < 1 {
		return "", false
	}
	for _, l := range lines {
		for _, r := range l {
			if r != '\t' && !printable(r) {
				return "", false
			}
		}
	}
	var b strings.Builder
	b.WriteString(header)
	b.WriteString(sp.header)
	pad := strings.Repeat(" ", sp.indent)
	for _, l := range lines {
		b.WriteString(sp.lineBreak)
		if l != "" {
			b.WriteString(pad)
			b.WriteString(l)
		}
	}
	return b.String(), true
}

// verify parses the rewritten bytes and compares them with the original
// trees: the edited scalars must hold their new values as strings, and
// every other node must be unchanged.
func (f *File) verify(out []byte, splices []splice) error {
	docs, err := decodeAll(out)
	if err != nil || len(docs) != len(f.docs) {
		return ErrRewriteMismatch
	}
	edited := make(map[*yaml.Node]string, len(splices))
	for _, s := range splices {
		edited[s.node] = s.edit.Value
	}
	for i := range docs {
		if !sameTree(f.docs[i], docs[i], edited) {
			return ErrRewriteMismatch
		}
	}
	return nil
}

func sameTree(a, b *yaml.Node, edited map[*yaml.Node]string) bool {
	if v, ok := edited[a]; ok {
		return b.Kind == yaml.ScalarNode && b.Tag == "!!str" && b.Value == v && b.Anchor == a.Anchor
	}
	if a.Kind != b.Kind || a.Tag != b.Tag || a.Value != b.Value || a.Anchor != b.Anchor || a.Style != b.Style || len(a.Content) != len(b.Content) {
		return false
	}
	for i := range a.Content {
		if !sameTree(a.Content[i], b.Content[i], edited) {
			return false
		}
	}
	return true
}
