package policies

import (
	"errors"
	"slices"

	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
)

func confirmRank(c policydoc.Confirm) int {
	switch c {
	case policydoc.ConfirmNone:
		return 0
	case policydoc.ConfirmYes:
		return 1
	case policydoc.ConfirmTyped:
		return 2
	}
	return -1
}

// combine merges the default decision with an organisation's (design section
// 6): denials and warnings are unioned, the stricter confirmation wins, and a
// key shows a prefix only if the defaults allow it and the organisation does
// not mask it. A key the defaults do not mention stays (set) whatever the
// organisation says, so no organisation rule can loosen a default.
func combine(def, org policydoc.Decision) policydoc.Decision {
	out := policydoc.Decision{
		Deny:    union(def.Deny, org.Deny),
		Warn:    union(def.Warn, org.Warn),
		Confirm: def.Confirm,
		Mask:    make(map[string]string, len(def.Mask)+len(org.Mask)),
	}
	if confirmRank(org.Confirm) > confirmRank(def.Confirm) {
		out.Confirm = org.Confirm
	}
	for k, v := range def.Mask {
		if v == policydoc.MaskPrefix4 && org.Mask[k] == policydoc.MaskSet {
			v = policydoc.MaskSet
		}
		out.Mask[k] = v
	}
	for k := range org.Mask {
		if _, ok := def.Mask[k]; !ok {
			out.Mask[k] = policydoc.MaskSet
		}
	}
	return out
}

// alone is combine(def, policydoc.Decision{}), the decision without an organisation
// policy, for a def the caller owns: the default policy's lists come out of
// the module sorted and free of repeats, so they (and its mask) are kept
// rather than copied; anything else goes through combine.
func alone(def policydoc.Decision) policydoc.Decision {
	normal := func(l []string) bool { // non-nil and strictly increasing
		for i := 1; i < len(l); i++ {
			if l[i-1] >= l[i] {
				return false
			}
		}
		return l != nil
	}
	if !normal(def.Deny) || !normal(def.Warn) || def.Mask == nil {
		return combine(def, policydoc.Decision{})
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
