package policies

import (
	"reflect"
	"slices"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/policies/internal/defaultinput"
)

func TestCombineTightensNeverLoosens(t *testing.T) {
	t.Parallel()
	def := policydoc.Decision{
		Deny:    []string{"b", "a"},
		Warn:    []string{"w"},
		Confirm: policydoc.ConfirmYes,
		Mask:    map[string]string{"OPEN": policydoc.MaskPrefix4, "SHUT": policydoc.MaskSet, "KEEP": policydoc.MaskPrefix4},
	}
	tests := []struct {
		name string
		org  policydoc.Decision
		want policydoc.Decision
	}{
		{
			name: "no opinion keeps the defaults",
			org:  policydoc.Decision{},
			want: policydoc.Decision{Deny: []string{"a", "b"}, Warn: []string{"w"}, Confirm: policydoc.ConfirmYes, Mask: def.Mask},
		},
		{
			name: "tightening wins",
			org:  policydoc.Decision{Deny: []string{"c", "a"}, Warn: []string{"w", "v"}, Confirm: policydoc.ConfirmTyped, Mask: map[string]string{"OPEN": policydoc.MaskSet}},
			want: policydoc.Decision{
				Deny: []string{"a", "b", "c"}, Warn: []string{"v", "w"}, Confirm: policydoc.ConfirmTyped,
				Mask: map[string]string{"OPEN": policydoc.MaskSet, "SHUT": policydoc.MaskSet, "KEEP": policydoc.MaskPrefix4},
			},
		},
		{
			name: "loosening is ignored",
			org:  policydoc.Decision{Confirm: policydoc.ConfirmNone, Mask: map[string]string{"SHUT": policydoc.MaskPrefix4, "NEW": policydoc.MaskPrefix4}},
			want: policydoc.Decision{
				Deny: []string{"a", "b"}, Warn: []string{"w"}, Confirm: policydoc.ConfirmYes,
				Mask: map[string]string{"OPEN": policydoc.MaskPrefix4, "SHUT": policydoc.MaskSet, "KEEP": policydoc.MaskPrefix4, "NEW": policydoc.MaskSet},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := combine(def, tt.org)
			if !slices.Equal(got.Deny, tt.want.Deny) || !slices.Equal(got.Warn, tt.want.Warn) || got.Confirm != tt.want.Confirm {
				t.Fatalf("combine = %+v, want %+v", got, tt.want)
			}
			if len(got.Mask) != len(tt.want.Mask) {
				t.Fatalf("mask = %v, want %v", got.Mask, tt.want.Mask)
			}
			for k, v := range tt.want.Mask {
				if got.Mask[k] != v {
					t.Fatalf("mask[%s] = %q, want %q", k, got.Mask[k], v)
				}
			}
		})
	}
}

// parseOne reads doc as the one result of a result set.
func parseOne(doc string) (policydoc.Decision, error) {
	d, _, err := parseResultSet([]byte(`[{"result":` + doc + `}]`))
	return d, err
}

func TestParseDecision(t *testing.T) {
	t.Parallel()
	good := map[string]policydoc.Decision{
		`{"deny":["x"],"warn":[],"confirm":"typed","mask":{"K":"prefix4"}}`: {Deny: []string{"x"}, Warn: []string{}, Confirm: policydoc.ConfirmTyped, Mask: map[string]string{"K": policydoc.MaskPrefix4}},
		`{}`:                          {Confirm: policydoc.ConfirmNone},
		`null`:                        {Confirm: policydoc.ConfirmNone},
		`{"confirm":"yes","extra":1}`: {Confirm: policydoc.ConfirmYes},
	}
	for doc, want := range good {
		got, err := parseOne(doc)
		if err != nil {
			t.Errorf("%s: %v", doc, err)
			continue
		}
		if !slices.Equal(got.Deny, want.Deny) || got.Confirm != want.Confirm || len(got.Mask) != len(want.Mask) {
			t.Errorf("%s: got %+v, want %+v", doc, got, want)
		}
	}
	bad := []string{
		`[]`, `"deny"`, `{"deny":"x"}`, `{"deny":[1]}`, `{"confirm":"maybe"}`, `{"confirm":""}`,
		`{"confirm":1}`, `{"mask":{"K":"clear"}}`, `{"mask":["K"]}`, `{"warn":{"a":1}}`,
	}
	for _, doc := range bad {
		if _, err := parseOne(doc); err == nil {
			t.Errorf("%s: no error", doc)
		}
	}
}

func TestDecisionJSONHasAFixedShape(t *testing.T) {
	t.Parallel()
	b, err := policydoc.Decision{}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"deny":[],"warn":[],"confirm":"none","mask":{}}` {
		t.Fatalf("zero decision = %s", b)
	}
	if got := (policydoc.Decision{Mask: map[string]string{"K": "prefix4"}}).MaskFor("OTHER"); got != policydoc.MaskSet {
		t.Fatalf("MaskFor(unmentioned) = %q, want set", got)
	}
}

// The lean view leaves out the lengths no rule can act on (a change's at or
// below the smallest store limit, a secret's without show_prefix) and keeps
// the others; TestDecideOnLeanInputAgreesWithTopdown shows that this changes
// no decision, this that the bytes really are saved.
func TestViewLeavesOutLengthsNoRuleReads(t *testing.T) {
	t.Parallel()
	in := policydoc.Input{
		Operation: "group.update",
		Changes:   []policydoc.Change{{Key: "A", Action: "add", Length: 4096}, {Key: "B", Action: "add", Length: 4097}},
		Secrets:   []policydoc.Secret{{Key: "A", Length: 32}},
	}
	var v defaultinput.Input
	setView(&v, in, 4096)
	if v.Changes[0].Length != 0 || v.Changes[1].Length != 4097 || v.Secrets[0].Length != 0 {
		t.Fatalf("without show_prefix: %+v %+v", v.Changes, v.Secrets)
	}
	in.Context.ShowPrefix = true
	setView(&v, in, 4096)
	if v.Secrets[0].Length != 32 || len(v.Changes) != 2 {
		t.Fatalf("with show_prefix: %+v %+v", v.Changes, v.Secrets)
	}
}

// alone keeps an owned decision whose lists are already what combine would
// make of them, and is combine otherwise.
func TestAloneIsCombineWithoutAnOrganisation(t *testing.T) {
	t.Parallel()
	for _, d := range []policydoc.Decision{
		{Deny: []string{"a", "b"}, Warn: []string{}, Confirm: policydoc.ConfirmYes, Mask: map[string]string{"K": policydoc.MaskPrefix4, "L": policydoc.MaskSet}},
		{Deny: []string{}, Warn: []string{"w"}, Confirm: policydoc.ConfirmNone, Mask: map[string]string{}},
		{Deny: []string{"b", "a"}, Warn: []string{}, Mask: map[string]string{}},
		{Deny: []string{"a", "a"}, Warn: []string{}, Mask: map[string]string{}},
		{Deny: nil, Warn: []string{}, Mask: map[string]string{}},
		{Deny: []string{}, Warn: []string{"x", "x"}, Mask: map[string]string{}},
		{Deny: []string{}, Warn: []string{}, Mask: nil},
	} {
		want := combine(d, policydoc.Decision{})
		got := alone(d)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("alone(%#v) = %#v, want %#v", d, got, want)
		}
	}
}
