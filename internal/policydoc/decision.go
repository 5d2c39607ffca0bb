package policydoc

import "encoding/json"

// Decision is the decision document: why the operation is refused (Deny,
// any entry refuses it), what the user should know (Warn), the confirmation
// it needs and how each existing secret is displayed (Mask, by key).
type Decision struct {
	Deny    []string          `json:"deny"`
	Warn    []string          `json:"warn"`
	Confirm Confirm           `json:"confirm"`
	Mask    map[string]string `json:"mask"`
}

// Denied reports whether any policy refused the operation.
func (d Decision) Denied() bool { return len(d.Deny) > 0 }

// MaskFor is how key is displayed; a key the policies did not mention is
// shown as MaskSet.
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
