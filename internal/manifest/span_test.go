package manifest

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSpans holds Spans to the rewriter: for every location the rewriter
// can edit, the span is exactly the text it would replace, and a value
// shared through an anchor lies at the anchor's text. Every located value
// has a span; a null has none.
func TestSpans(t *testing.T) {
	t.Parallel()
	fixtures, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(fixtures) == 0 {
		t.Fatal("no fixtures", err)
	}
	for _, path := range fixtures {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Read(src)
			if err != nil {
				t.Fatal(err)
			}
			spans := f.Spans()
			if len(spans) != len(f.Locations) {
				t.Fatalf("%d spans for %d locations", len(spans), len(f.Locations))
			}
			for i, l := range f.Locations {
				sp := spans[i]
				if l.Null {
					if sp != (Span{}) {
						t.Errorf("%s: a null has span %v", l.Path, sp)
					}
					continue
				}
				if sp.Start >= sp.End {
					t.Errorf("%s: no span", l.Path)
					continue
				}
				if l.Shared {
					continue
				}
				s, err := f.plan(Edit{Document: l.Document, Path: l.Path, Value: "x"})
				if err != nil {
					continue // a value the rewriter refuses (a tag, a duplicate key)
				}
				if s.start != sp.Start || s.end != sp.End {
					t.Errorf("%s: span %v, the rewriter replaces [%d, %d) %q", l.Path, sp, s.start, s.end, src[s.start:s.end])
				}
			}
		})
	}
}

// A value reached through an alias lies at its anchor, so masking the
// anchor's text masks every use of it; in a flow mapping a value ends
// before the ',' or '}' after it.
func TestSpansOfAliasesAndFlow(t *testing.T) {
	t.Parallel()
	src := "type: service\nname: web\nenv:\n  A: &pw canary-7d1f\n  B: *pw\n---\ntype: job\nname: j\nenv: {C: plain one, D: 'quoted'}\n"
	f, err := Read([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for i, sp := range f.Spans() {
		got[f.Locations[i].Path.String()] = src[sp.Start:sp.End]
	}
	want := map[string]string{"env.A": "canary-7d1f", "env.B": "canary-7d1f", "env.C": "plain one", "env.D": "'quoted'"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: span text %q, want %q", k, got[k], v)
		}
	}
}
