package migrate

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tfy-secrets/tfy-secrets/host/render"
	"github.com/tfy-secrets/tfy-secrets/internal/manifest"
	"github.com/tfy-secrets/tfy-secrets/internal/secret"
)

// diffContext is the number of unchanged lines shown around a change, as
// diff -u shows them.
const diffContext = 3

// errDiff means the rewritten file is not the original with only the
// edited values replaced; it cannot happen while the rewriter keeps its
// promise, and the diff is then not shown rather than shown wrong.
var errDiff = errors.New("the rewritten manifest does not line up with the original")

// text is a file's bytes cut into lines.
type text struct {
	src    []byte
	starts []int // offset of each line's first byte; a last entry at len(src)
	masks  []manifest.Span
}

func newText(src []byte, masks []manifest.Span) text {
	t := text{src: src, starts: []int{0}, masks: masks}
	for i, c := range src {
		if c == '\n' && i+1 < len(src) {
			t.starts = append(t.starts, i+1)
		}
	}
	if len(src) == 0 {
		t.starts = t.starts[:0]
	}
	t.starts = append(t.starts, len(src))
	slices.SortFunc(t.masks, func(a, b manifest.Span) int { return a.Start - b.Start })
	return t
}

func (t text) lines() int { return len(t.starts) - 1 }

// lineOf is the line holding byte off.
func (t text) lineOf(off int) int {
	return sort.Search(t.lines(), func(i int) bool { return t.starts[i+1] > off }) // first line ending after off
}

// raw is line i without its line break.
func (t text) raw(i int) []byte {
	l := t.src[t.starts[i]:t.starts[i+1]]
	l = bytes.TrimSuffix(l, []byte("\n"))
	return bytes.TrimSuffix(l, []byte("\r"))
}

// show is line i as the diff prints it: every byte of a masked value
// replaced, once per value and line, by (set) after the blanks that start
// it, and what a terminal would act on escaped.
func (t text) show(i int) string {
	start := t.starts[i]
	line := t.raw(i)
	end := start + len(line)
	var b strings.Builder
	at := start
	k := sort.Search(len(t.masks), func(k int) bool { return t.masks[k].End > start })
	for ; k < len(t.masks) && t.masks[k].Start < end; k++ {
		m := t.masks[k]
		if m.End <= m.Start {
			continue
		}
		from := max(m.Start, start)
		if from < at {
			from = at // a value listed twice (an alias's is its anchor's)
		}
		b.Write(t.src[at:from])
		to := min(m.End, end)
		blank := from
		for blank < to && (t.src[blank] == ' ' || t.src[blank] == '\t') {
			blank++
		}
		b.Write(t.src[from:blank])
		if blank < to {
			b.WriteString(secret.Redacted)
		}
		at = max(at, to)
	}
	b.Write(t.src[at:end])
	return render.Text(b.String())
}

// block is one change: old lines [a, b] became new lines [na, na+n).
type block struct{ a, b, na, n int }

// maskedDiff is a unified diff of old and new, which is old with the
// values at edits (spans of old) replaced by one-line texts. Every line is
// shown with oldMask (context and removed lines) or newMask (added lines)
// hidden: the values that could be secrets, so that the diff shows where
// each value was and what replaces it, never the value.
func maskedDiff(name string, old, new []byte, edits, oldMask, newMask []manifest.Span) (string, error) {
	o, n := newText(old, oldMask), newText(new, newMask)
	touched := make([]bool, o.lines())
	breaks := make([]int, o.lines()) // line breaks inside edited values, by the line they start on
	for _, e := range edits {
		if e.End <= e.Start {
			return "", errDiff
		}
		first, last := o.lineOf(e.Start), o.lineOf(e.End-1)
		for i := first; i <= last; i++ {
			touched[i] = true
		}
		breaks[first] += bytes.Count(old[e.Start:e.End], []byte("\n"))
	}
	var blocks []block
	delta := 0
	for i := 0; i < o.lines(); {
		if !touched[i] {
			if i+delta >= n.lines() || !bytes.Equal(o.raw(i), n.raw(i+delta)) {
				return "", errDiff
			}
			i++
			continue
		}
		b := block{a: i, na: i + delta}
		lost := 0
		for i < o.lines() && touched[i] {
			lost += breaks[i]
			i++
		}
		b.b = i - 1
		b.n = b.b - b.a + 1 - lost
		delta += b.n - (b.b - b.a + 1)
		blocks = append(blocks, b)
	}
	if o.lines()+delta != n.lines() {
		return "", errDiff
	}
	if len(blocks) == 0 {
		return "", nil
	}
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", render.Text(name), render.Text(name))
	for len(blocks) > 0 {
		// A hunk takes every block whose context touches the one before.
		end := 1
		for end < len(blocks) && blocks[end].a-blocks[end-1].b-1 <= 2*diffContext {
			end++
		}
		hunk := blocks[:end]
		blocks = blocks[end:]
		first, last := hunk[0], hunk[len(hunk)-1]
		from := max(0, first.a-diffContext)
		to := min(o.lines()-1, last.b+diffContext)
		shift := first.na - first.a
		newLen := (to - from + 1) + (last.na + last.n - last.b - 1) - shift
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", rangeText(from, to-from+1), rangeText(from+shift, newLen))
		at := from
		for _, b := range hunk {
			for ; at < b.a; at++ {
				out.WriteString(" " + o.show(at) + "\n")
			}
			for i := b.a; i <= b.b; i++ {
				out.WriteString("-" + o.show(i) + "\n")
			}
			for i := b.na; i < b.na+b.n; i++ {
				out.WriteString("+" + n.show(i) + "\n")
			}
			at = b.b + 1
		}
		for ; at <= to; at++ {
			out.WriteString(" " + o.show(at) + "\n")
		}
	}
	return out.String(), nil
}

// rangeText is a hunk range as diff -u writes it: 1-based start and
// length, the length left out when it is 1.
func rangeText(start, length int) string {
	switch {
	case length == 1:
		return fmt.Sprint(start + 1)
	case length == 0:
		return fmt.Sprintf("%d,0", start)
	}
	return fmt.Sprintf("%d,%d", start+1, length)
}
