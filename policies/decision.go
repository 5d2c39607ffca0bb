package policies

import (
	"encoding/json"
	"errors"
	"slices"
)

// The confirmation levels, weakest first.
const (
	ConfirmNone  = "none"
	ConfirmYes   = "yes"
	ConfirmTyped = "typed"
)

// The mask levels. A key missing from a decision's mask is shown as MaskSet.
const (
	MaskSet     = "set"
	MaskPrefix4 = "prefix4"
)

// Decision is the decision document (design section 6): why the operation is
// refused (Deny, any entry refuses it), what the user should know (Warn),
// the confirmation it needs and how each secret is displayed.
type Decision struct {
	Deny    []string          `json:"deny"`
	Warn    []string          `json:"warn"`
	Confirm string            `json:"confirm"`
	Mask    map[string]string `json:"mask"`
}

// Denied reports whether any policy refused the operation.
func (d Decision) Denied() bool { return len(d.Deny) > 0 }

// MaskFor is how key is displayed; a key the policies did not mention is
// shown as (set).
func (d Decision) MaskFor(key string) string {
	if d.Mask[key] == MaskPrefix4 {
		return MaskPrefix4
	}
	return MaskSet
}

// MarshalJSON renders empty lists as [] and an empty mask as {}, so the
// document has the same shape whatever it decides.
func (d Decision) MarshalJSON() ([]byte, error) {
	type plain Decision
	p := plain(d)
	if p.Deny == nil {
		p.Deny = []string{}
	}
	if p.Warn == nil {
		p.Warn = []string{}
	}
	if p.Mask == nil {
		p.Mask = map[string]string{}
	}
	if p.Confirm == "" {
		p.Confirm = ConfirmNone
	}
	return json.Marshal(p)
}

func confirmRank(c string) int {
	switch c {
	case ConfirmNone:
		return 0
	case ConfirmYes:
		return 1
	case ConfirmTyped:
		return 2
	}
	return -1
}

// combine merges the default decision with an organisation's (design section
// 6): denials and warnings are unioned, the stricter confirmation wins, and a
// key shows a prefix only if the defaults allow it and the organisation does
// not mask it. A key the defaults do not mention stays (set) whatever the
// organisation says, so no organisation rule can loosen a default.
func combine(def, org Decision) Decision {
	out := Decision{
		Deny:    union(def.Deny, org.Deny),
		Warn:    union(def.Warn, org.Warn),
		Confirm: def.Confirm,
		Mask:    make(map[string]string, len(def.Mask)+len(org.Mask)),
	}
	if confirmRank(org.Confirm) > confirmRank(def.Confirm) {
		out.Confirm = org.Confirm
	}
	for k, v := range def.Mask {
		if v == MaskPrefix4 && org.Mask[k] == MaskSet {
			v = MaskSet
		}
		out.Mask[k] = v
	}
	for k := range org.Mask {
		if _, ok := def.Mask[k]; !ok {
			out.Mask[k] = MaskSet
		}
	}
	return out
}

// alone is combine(def, Decision{}), the decision without an organisation
// policy, for a def the caller owns: the default policy's lists come out of
// the module sorted and free of repeats, so they (and its mask) are kept
// rather than copied; anything else goes through combine.
func alone(def Decision) Decision {
	normal := func(l []string) bool { // non-nil and strictly increasing
		for i := 1; i < len(l); i++ {
			if l[i-1] >= l[i] {
				return false
			}
		}
		return l != nil
	}
	if !normal(def.Deny) || !normal(def.Warn) || def.Mask == nil {
		return combine(def, Decision{})
	}
	return def
}

// union is the sorted, de-duplicated union of two lists.
func union(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	out = append(append(out, a...), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// errUndefinedDefault means the embedded policy produced no decision, which
// only a broken build can cause.
var errUndefinedDefault = errors.New("the default policy returned no decision")
