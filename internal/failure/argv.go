package failure

import (
	"slices"
	"strconv"
	"strings"
)

// Hidden is what a message shows in place of a value.
const Hidden = "…"

// Word is w as a message may repeat it: everything after its first '=' is
// hidden, so that a KEY=VALUE typed where a name was expected comes out as
// "KEY=…". A word without '=', or with nothing after it, comes out
// unchanged.
func Word(w string) string {
	if i := strings.IndexByte(w, '='); i >= 0 && i < len(w)-1 {
		return w[:i+1] + Hidden
	}
	return w
}

// Argv hides, in messages about a command line, the values the line may
// carry. Messages repeat what was typed: an unknown command, an unknown
// output format, the value of a flag that does not parse (urfave/cli and
// the flag package quote it). Whatever follows '=' in a word, and in a
// flag's value (the part of --name=VALUE after the name), is taken for a
// value and never comes out, whether the message repeats it as typed or
// quoted with %q; names do.
type Argv struct{ r *strings.Replacer }

// NewArgv prepares the hiding of args' values.
func NewArgv(args []string) Argv {
	type pair struct{ old, new string }
	var pairs []pair
	// Each word as typed and as %q quotes it: a value with a quote or a
	// control character in it is escaped in a quoted message.
	add := func(w string) {
		if shown := Word(w); shown != w {
			pairs = append(pairs, pair{strconv.Quote(w), strconv.Quote(shown)}, pair{w, shown})
		}
	}
	for _, a := range args {
		add(a)
		if strings.HasPrefix(a, "-") {
			if _, v, ok := strings.Cut(a, "="); ok {
				add(v)
			}
		}
	}
	if len(pairs) == 0 {
		return Argv{}
	}
	// A Replacer takes, at each position, the first of its words that
	// matches there: longest first, so that a shorter word (`"==`) cannot
	// end a match inside a longer one (`"==0"`) and leave its value behind.
	slices.SortStableFunc(pairs, func(a, b pair) int { return len(b.old) - len(a.old) })
	flat := make([]string, 0, 2*len(pairs))
	for _, p := range pairs {
		flat = append(flat, p.old, p.new)
	}
	return Argv{strings.NewReplacer(flat...)}
}

// Hide returns msg with the values of the command line hidden.
func (a Argv) Hide(msg string) string {
	if a.r == nil {
		return msg
	}
	return a.r.Replace(msg)
}
