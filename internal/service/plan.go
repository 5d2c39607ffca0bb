package service

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/internal/secret"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// keyPlan is the per-key outcome of a mutation, computed without any I/O so
// that merge, replace and unset rules are tested on data alone.
type keyPlan struct {
	changes []plugin.PlannedChange // sorted for display: add, rotate, keep, remove
	lengths map[string]int         // value length per key with a new value, for policy
	writes  []Write                // the full request body: every key that must exist afterwards
	after   []string               // sorted key set expected after the write
}

// validateChanges rejects what no plan can express: empty or repeated keys
// and sources that carry no value (inline values excepted: policy decides
// those).
func validateChanges(changes []plugin.Change) error {
	seen := make(map[string]bool, len(changes))
	for _, c := range changes {
		if c.Key == "" {
			return failure.New(failure.Usage, "a source has an empty secret key").WithHint("name every key, e.g. --from-env KEY=VAR")
		}
		if seen[c.Key] {
			return failure.New(failure.Usage, "key %s is given more than once", quoteShort(c.Key)).WithHint("give each key one source")
		}
		seen[c.Key] = true
		// An inline value arrives without one on purpose (the host keeps
		// none); policy refuses it with the reason, so it must reach policy.
		if !c.Value.IsSet() && c.Source != plugin.SourceLiteral {
			return failure.New(failure.Usage, "key %s has no value", quoteShort(c.Key))
		}
		if ok, at := c.Value.ValidUTF8(); !ok {
			return failure.New(failure.Usage, "the value for key %s%s is not UTF-8 text (byte %d is not valid UTF-8); TrueFoundry stores values as text, which would alter it",
				quoteShort(c.Key), fromOrigin(c.Origin), at).
				WithHint("store binary data as base64 text: --from-file %s=PATH --encoding base64", c.Key)
		}
	}
	return nil
}

// fromOrigin is " (from env X)" for messages, "" when the origin is unknown.
func fromOrigin(origin string) string {
	if origin == "" {
		return ""
	}
	return " (from " + origin + ")"
}

// emptyValueWarnings names the keys a plan would give an empty value: most
// often a variable exported without one by mistake (export KEY=).
func emptyValueWarnings(changes []plugin.Change) []string {
	var out []string
	for _, c := range changes {
		if c.Value.IsSet() && c.Value.Len() == 0 {
			out = append(out, fmt.Sprintf("key %s gets an empty value%s", quoteShort(c.Key), fromOrigin(c.Origin)))
		}
	}
	return out
}

// planCreate plans a new group: every source is an add.
func planCreate(changes []plugin.Change) (keyPlan, error) {
	if len(changes) == 0 {
		return keyPlan{}, failure.New(failure.Usage, "include at least one secret").WithHint("add a source, e.g. --from-env KEY or --from-dotenv .env")
	}
	if err := validateChanges(changes); err != nil {
		return keyPlan{}, err
	}
	p := keyPlan{lengths: make(map[string]int, len(changes))}
	for _, c := range changes {
		p.changes = append(p.changes, plugin.PlannedChange{Key: c.Key, Action: plugin.ActionAdd, Source: c.Source, Origin: c.Origin})
		p.lengths[c.Key] = c.Value.Len()
		p.writes = append(p.writes, Write{Key: c.Key, Value: c.Value})
		p.after = append(p.after, c.Key)
	}
	p.finish()
	return p, nil
}

// planUpdate plans an update of a group whose current keys are current.
// By default it merges: named keys are added or rotated, unset keys removed
// and every other key kept (written without a value). With replace, every key
// not named is removed. A plan that would leave the group empty is refused,
// because the API cannot hold an empty group and the user most likely meant
// something else.
func planUpdate(group string, current []string, changes []plugin.Change, unset []string, replace bool) (keyPlan, error) {
	if err := validateChanges(changes); err != nil {
		return keyPlan{}, err
	}
	if len(changes) == 0 && len(unset) == 0 {
		return keyPlan{}, failure.New(failure.Usage, "nothing to update in secret group %s", quoteShort(group)).WithHint("give SOURCES to add or rotate keys, or --unset KEY to remove one")
	}
	exists := make(map[string]bool, len(current))
	for _, k := range current {
		exists[k] = true
	}
	named := make(map[string]plugin.Change, len(changes))
	for _, c := range changes {
		named[c.Key] = c
	}
	removing := make(map[string]bool, len(unset))
	for _, k := range unset {
		if _, ok := named[k]; ok {
			return keyPlan{}, failure.New(failure.Usage, "key %s is both given a value and unset", quoteShort(k)).WithHint("drop either the source or --unset %s", k)
		}
		if !exists[k] {
			return keyPlan{}, failure.New(failure.Usage, "cannot unset %s: secret group %s has no such key", quoteShort(k), quoteShort(group)).WithHint("see the keys with: tfy-secrets group get %s", group)
		}
		removing[k] = true
	}

	n := len(current) + len(changes)
	p := keyPlan{
		lengths: make(map[string]int, len(changes)),
		changes: make([]plugin.PlannedChange, 0, n), writes: make([]Write, 0, n), after: make([]string, 0, n),
	}
	for _, c := range changes {
		action := plugin.ActionAdd
		if exists[c.Key] {
			action = plugin.ActionRotate
		}
		p.changes = append(p.changes, plugin.PlannedChange{Key: c.Key, Action: action, Source: c.Source, Origin: c.Origin})
		p.lengths[c.Key] = c.Value.Len()
		p.writes = append(p.writes, Write{Key: c.Key, Value: c.Value})
		p.after = append(p.after, c.Key)
	}
	for _, k := range current {
		if _, ok := named[k]; ok {
			continue
		}
		if removing[k] || replace {
			p.changes = append(p.changes, plugin.PlannedChange{Key: k, Action: plugin.ActionRemove})
			continue
		}
		p.changes = append(p.changes, plugin.PlannedChange{Key: k, Action: plugin.ActionKeep})
		// No value: the API keeps the stored one.
		p.writes = append(p.writes, Write{Key: k})
		p.after = append(p.after, k)
	}
	if len(p.after) == 0 {
		return keyPlan{}, failure.New(failure.Usage, "this update would remove every key of secret group %s", quoteShort(group)).
			WithHint("a group needs at least one key; to remove the group, run: tfy-secrets group delete %s", group)
	}
	p.finish()
	return p, nil
}

// planRemoveAll plans a group delete: every key goes.
func planRemoveAll(current []string) keyPlan {
	p := keyPlan{}
	for _, k := range current {
		p.changes = append(p.changes, plugin.PlannedChange{Key: k, Action: plugin.ActionRemove})
	}
	p.finish()
	return p
}

// planRemoveOne plans deleting one key; deleting the last key is refused for
// the same reason as an update that empties the group.
func planRemoveOne(group string, current []string, key string) (keyPlan, error) {
	if !slices.Contains(current, key) {
		return keyPlan{}, failure.New(failure.NotFound, "secret %s not found in secret group %s", quoteShort(key), quoteShort(group)).
			WithHint("see the keys with: tfy-secrets group get %s", group)
	}
	if len(current) == 1 {
		return keyPlan{}, failure.New(failure.Usage, "%s is the last key of secret group %s", quoteShort(key), quoteShort(group)).
			WithHint("a group needs at least one key; to remove the group, run: tfy-secrets group delete %s", group)
	}
	p := keyPlan{changes: []plugin.PlannedChange{{Key: key, Action: plugin.ActionRemove}}}
	for _, k := range current {
		if k != key {
			p.after = append(p.after, k)
		}
	}
	p.finish()
	return p, nil
}

var actionRank = map[plugin.Action]int{plugin.ActionAdd: 0, plugin.ActionRotate: 1, plugin.ActionUnchanged: 2, plugin.ActionKeep: 3, plugin.ActionRemove: 4}

// value is the new value the plan writes for key; unset when it writes none.
func (p keyPlan) value(key string) secret.Value {
	for _, w := range p.writes {
		if w.Key == key {
			return w.Value
		}
	}
	return secret.Value{}
}

// markUnchanged turns the rotations of the keys in same into "unchanged":
// their writes carry no value (the API keeps the stored one, and makes no
// new version), and the value the plan held for them is wiped.
func (p *keyPlan) markUnchanged(same map[string]bool) {
	if len(same) == 0 {
		return
	}
	for i, c := range p.changes {
		if c.Action == plugin.ActionRotate && same[c.Key] {
			p.changes[i].Action = plugin.ActionUnchanged
		}
	}
	for i, w := range p.writes {
		if same[w.Key] {
			w.Value.Wipe()
			p.writes[i].Value = secret.Value{}
		}
	}
	p.finish()
}

// writesAnything reports whether the plan changes the group at all: false
// when every change is a keep or an unchanged value.
func (p keyPlan) writesAnything() bool {
	for _, c := range p.changes {
		if c.Action != plugin.ActionKeep && c.Action != plugin.ActionUnchanged {
			return true
		}
	}
	return false
}

func (p *keyPlan) finish() {
	slices.SortFunc(p.changes, func(a, b plugin.PlannedChange) int {
		return cmp.Or(cmp.Compare(actionRank[a.Action], actionRank[b.Action]), cmp.Compare(a.Key, b.Key))
	})
	slices.Sort(p.after)
}

// inputChanges is the policy view of the plan: keys, actions, sources and
// lengths, never values.
func (p keyPlan) inputChanges() []policydoc.Change {
	out := make([]policydoc.Change, 0, len(p.changes))
	for _, c := range p.changes {
		out = append(out, policydoc.Change{Key: c.Key, Action: c.Action, Source: c.Source, Length: p.lengths[c.Key]})
	}
	return out
}

// keysOf returns the sorted key names of a group's secrets.
func keysOf(secrets []Secret) []string {
	out := make([]string, 0, len(secrets))
	for _, s := range secrets {
		out = append(out, s.Key)
	}
	slices.Sort(out)
	return out
}

// keyDiff describes how got differs from want (both sorted), for conflict and
// verification messages: keys only.
func keyDiff(want, got []string) (missing, extra []string) {
	i, j := 0, 0
	for i < len(want) || j < len(got) {
		switch {
		case j == len(got) || (i < len(want) && want[i] < got[j]):
			missing = append(missing, want[i])
			i++
		case i == len(want) || got[j] < want[i]:
			extra = append(extra, got[j])
			j++
		default:
			i++
			j++
		}
	}
	return missing, extra
}
