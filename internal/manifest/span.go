package manifest

import "go.yaml.in/yaml/v3"

// Span is a range of a file's bytes, [Start, End).
type Span struct{ Start, End int }

// Spans says where the text of each location's value lies in the file's
// bytes: one span per entry of Locations, in the same order, from the
// value's first character (a quote or a block scalar's header included, an
// anchor or tag excluded) to its last. A value reached through an alias
// lies at its anchor; a null value, or a text that cannot be located, has
// an empty span. It is for a caller that shows lines of the file and must
// mask every value that could be a secret (manifest migrate's diff).
func (f *File) Spans() []Span {
	out := make([]Span, len(f.Locations))
	contexts := map[*yaml.Node]spanContext{}
	walked := map[int]bool{}
	for i, l := range f.Locations {
		if l.Null || l.node == nil {
			continue
		}
		if !walked[l.Document] {
			walked[l.Document] = true
			f.spanContexts(f.docs[l.Document], -1, false, contexts)
		}
		c, ok := contexts[l.node]
		if !ok {
			continue
		}
		if sp, err := f.text.span(l.node, c.parentIndent, c.inFlow); err == nil {
			out[i] = Span{sp.start, sp.end}
		}
	}
	return out
}

// spanContext is what a scalar's text depends on besides the scalar: the
// indentation of the block collection holding it and whether a flow
// collection encloses it (see text.span).
type spanContext struct {
	parentIndent int
	inFlow       bool
}

// spanContexts records the context of every scalar under n. Aliases are
// not followed: the scalar they name is recorded where its anchor is.
func (f *File) spanContexts(n *yaml.Node, parentIndent int, inFlow bool, into map[*yaml.Node]spanContext) {
	switch n.Kind {
	case yaml.ScalarNode:
		into[n] = spanContext{parentIndent, inFlow}
	case yaml.DocumentNode:
		for _, c := range n.Content {
			f.spanContexts(c, -1, false, into)
		}
	case yaml.MappingNode, yaml.SequenceNode:
		flow := inFlow || n.Style&yaml.FlowStyle != 0
		indent := f.indentOf(n)
		for _, c := range n.Content {
			f.spanContexts(c, indent, flow, into)
		}
	}
}
