package service

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

func TestPlanUpdate(t *testing.T) {
	t.Parallel()
	current := []string{"A", "B", "C"}
	tests := []struct {
		name    string
		changes []plugin.Change
		unset   []string
		replace bool
		want    string // "KEY:action ..." in display order
		writes  string // "KEY=v" for a value, "KEY" for keep
		err     failure.Kind
		errHas  string
	}{
		{name: "merge rotates and keeps", changes: []plugin.Change{change("B", "v")},
			want: "B:rotate A:keep C:keep", writes: "B=v A C"},
		{name: "merge adds", changes: []plugin.Change{change("D", "v")},
			want: "D:add A:keep B:keep C:keep", writes: "D=v A B C"},
		{name: "unset removes only that key", unset: []string{"B"},
			want: "A:keep C:keep B:remove", writes: "A C"},
		{name: "unset and add", changes: []plugin.Change{change("D", "v")}, unset: []string{"A"},
			want: "D:add B:keep C:keep A:remove", writes: "D=v B C"},
		{name: "replace removes every key not named", changes: []plugin.Change{change("B", "v"), change("E", "w")}, replace: true,
			want: "E:add B:rotate A:remove C:remove", writes: "B=v E=w"},
		{name: "unset missing key", unset: []string{"Z"}, err: failure.Usage, errHas: `cannot unset "Z"`},
		{name: "set and unset same key", changes: []plugin.Change{change("A", "v")}, unset: []string{"A"}, err: failure.Usage, errHas: "both"},
		{name: "duplicate key", changes: []plugin.Change{change("A", "v"), change("A", "w")}, err: failure.Usage, errHas: "more than once"},
		{name: "empty key", changes: []plugin.Change{change("", "v")}, err: failure.Usage, errHas: "empty secret key"},
		{name: "no value", changes: []plugin.Change{{Key: "A", Source: plugin.SourceEnv}}, err: failure.Usage, errHas: "no value"},
		{name: "nothing to do", err: failure.Usage, errHas: "nothing to update"},
		{name: "unset every key", unset: []string{"A", "B", "C"}, err: failure.Usage, errHas: "remove every key"},
		{name: "replace with nothing", unset: []string{"A"}, replace: true, err: failure.Usage, errHas: "remove every key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := planUpdate("app", current, tt.changes, tt.unset, tt.replace)
			if tt.err != "" {
				if failure.KindOf(err) != tt.err || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("err = %v (%s), want %s containing %q", err, failure.KindOf(err), tt.err, tt.errHas)
				}
				if tt.errHas == "remove every key" && !strings.Contains(failure.As(err).Hint, "group delete app") {
					t.Errorf("hint %q does not suggest deleting the group", failure.As(err).Hint)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range p.changes {
				got = append(got, c.Key+":"+string(c.Action))
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("changes = %q, want %q", strings.Join(got, " "), tt.want)
			}
			var writes []string
			for _, w := range p.writes {
				if w.Value.IsSet() {
					writes = append(writes, w.Key+"="+w.Value.Reveal())
				} else {
					writes = append(writes, w.Key)
				}
			}
			if strings.Join(writes, " ") != tt.writes {
				t.Errorf("writes = %q, want %q", strings.Join(writes, " "), tt.writes)
			}
			var after []string
			for _, w := range p.writes {
				after = append(after, w.Key)
			}
			slices.Sort(after)
			if !slices.Equal(after, p.after) {
				t.Errorf("expected key set %v does not match the keys written %v", p.after, after)
			}
		})
	}
}

func TestPlanCreate(t *testing.T) {
	t.Parallel()
	if _, err := planCreate(nil); failure.KindOf(err) != failure.Usage || !strings.Contains(err.Error(), "include at least one secret") {
		t.Fatalf("zero sources: %v", err)
	}
	p, err := planCreate([]plugin.Change{change("B", "12345"), change("A", "1")})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.after, []string{"A", "B"}) || p.changes[0].Key != "A" || p.changes[0].Action != plugin.ActionAdd {
		t.Fatalf("plan = %+v", p)
	}
	in := p.inputChanges()
	if in[1].Key != "B" || in[1].Length != 5 || in[1].Source != plugin.SourceEnv {
		t.Fatalf("input changes = %+v", in)
	}
}

func TestPlanRemoveOne(t *testing.T) {
	t.Parallel()
	if _, err := planRemoveOne("app", []string{"A"}, "A"); failure.KindOf(err) != failure.Usage || !strings.Contains(failure.As(err).Hint, "group delete") {
		t.Fatalf("last key: %v", err)
	}
	if _, err := planRemoveOne("app", []string{"A", "B"}, "C"); failure.KindOf(err) != failure.NotFound {
		t.Fatalf("missing key: %v", err)
	}
	p, err := planRemoveOne("app", []string{"A", "B"}, "A")
	if err != nil || !slices.Equal(p.after, []string{"B"}) {
		t.Fatalf("plan = %+v, %v", p, err)
	}
}

func TestKeyDiff(t *testing.T) {
	t.Parallel()
	missing, extra := keyDiff([]string{"A", "B", "D"}, []string{"B", "C", "D", "E"})
	if !slices.Equal(missing, []string{"A"}) || !slices.Equal(extra, []string{"C", "E"}) {
		t.Fatalf("missing %v extra %v", missing, extra)
	}
}

// BenchmarkPlanUpdate1000 measures the pure plan computation for a
// 1,000-key group with one rotation, the shape of the design's update budget.
func BenchmarkPlanUpdate1000(b *testing.B) {
	current := make([]string, 1000)
	for i := range current {
		current[i] = fmt.Sprintf("KEY-%04d", i)
	}
	changes := []plugin.Change{change("KEY-0500", "new")}
	for b.Loop() {
		if _, err := planUpdate("big", current, changes, nil, false); err != nil {
			b.Fatal(err)
		}
	}
}
