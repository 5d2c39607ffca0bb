package failure

import (
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
	var pairs []string
	// Each word as typed and as %q quotes it: a value with a quote or a
	// control character in it is escaped in a quoted message.
	add := func(w string) {
		if shown := Word(w); shown != w {
			pairs = append(pairs, strconv.Quote(w), strconv.Quote(shown), w, shown)
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
	return Argv{strings.NewReplacer(pairs...)}
}

// Hide returns msg with the values of the command line hidden.
func (a Argv) Hide(msg string) string {
	if a.r == nil {
		return msg
	}
	return a.r.Replace(msg)
}
