package policies

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
)

// parseResultSet reads the result set an organisation module printed as
// JSON ([] or [{"result": decision}], see opawasm.Policy.EvalDocument);
// defined is false for [] (the policy has no opinion). A null field is no
// opinion on that field; unknown fields are ignored; words outside the
// vocabularies are errors. The default bundle's result is read from the
// module's memory instead (readDecision), on the budgeted path.
func parseResultSet(raw []byte) (d policydoc.Decision, defined bool, err error) {
	var rs []struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(raw, &rs); err != nil {
		return policydoc.Decision{}, false, fmt.Errorf("result set: %w", err)
	}
	switch len(rs) {
	case 0:
		return policydoc.Decision{}, false, nil
	case 1:
	default:
		return policydoc.Decision{}, false, errors.New("result set: more than one result")
	}
	if rs[0].Result == nil {
		return policydoc.Decision{}, false, errors.New("result set: no result field")
	}
	var doc struct {
		Deny    []string           `json:"deny"`
		Warn    []string           `json:"warn"`
		Confirm *policydoc.Confirm `json:"confirm"`
		Mask    map[string]string  `json:"mask"`
	}
	if err := json.Unmarshal(rs[0].Result, &doc); err != nil {
		return policydoc.Decision{}, false, fmt.Errorf("result set: %s: %w", notADecision, err)
	}
	d = policydoc.Decision{Deny: doc.Deny, Warn: doc.Warn, Confirm: policydoc.ConfirmNone, Mask: doc.Mask}
	if doc.Confirm != nil {
		d.Confirm = *doc.Confirm
	}
	if err := checkDecision(d); err != nil {
		return policydoc.Decision{}, false, err
	}
	return d, true, nil
}

// checkDecision refuses words outside the vocabularies.
func checkDecision(d policydoc.Decision) error {
	if confirmRank(d.Confirm) < 0 {
		return fmt.Errorf("decision: confirm is %q, want none, yes or typed", d.Confirm)
	}
	for k, v := range d.Mask {
		if v != policydoc.MaskSet && v != policydoc.MaskPrefix4 {
			return fmt.Errorf("decision: mask[%q] is %q, want set or prefix4", k, v)
		}
	}
	return nil
}

const notADecision = "decision is not a {deny, warn, confirm, mask} document"
