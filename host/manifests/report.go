package manifests

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/tfy-secrets/tfy-secrets/internal/manifest"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// Status is a reference's status in the check document (design section 3).
type Status string

// The statuses. Unreadable is this tool's addition: a group the API key
// may not read, so its references cannot be checked.
const (
	StatusOK            Status = "ok"
	StatusMalformed     Status = "malformed"
	StatusWrongTenant   Status = "wrong_tenant"
	StatusGroupNotFound Status = "group_not_found"
	StatusKeyNotFound   Status = "key_not_found"
	StatusUnreadable    Status = "unreadable"
)

// Statuses lists every status, for documentation and SARIF rules.
func Statuses() []Status {
	return []Status{StatusOK, StatusMalformed, StatusWrongTenant, StatusGroupNotFound, StatusKeyNotFound, StatusUnreadable}
}

// The plaintext severities: a warning, an error with --strict.
const (
	SeverityWarning = "warning"
	SeverityError   = "error"
)

// Reference is one reference attempt and what the check found.
type Reference struct {
	Position `yaml:",inline"`
	Ref      string `json:"ref" yaml:"ref"`
	Status   Status `json:"status" yaml:"status"`
	// Finding names a malformed reference's variant (scheme_case,
	// missing_tenant, ...: internal/manifest's RefStatus).
	Finding string `json:"finding,omitempty" yaml:"finding,omitempty"`
	Message string `json:"message" yaml:"message"`
	Hint    string `json:"hint" yaml:"hint"`
}

// Plaintext is a value that is not a reference and looks like a
// credential. Reason says why; nothing in it is the value.
type Plaintext struct {
	Position `yaml:",inline"`
	// Name is what the value is stored under (the env name, the build
	// argument, ...), empty where the place has none.
	Name     string `json:"name" yaml:"name"`
	Reason   string `json:"reason" yaml:"reason"`
	Severity string `json:"severity" yaml:"severity"`
	Hint     string `json:"hint" yaml:"hint"`
}

// Summary counts what the check found. Broken is the broken references
// plus the files that could not be read; Errors is those files alone.
type Summary struct {
	Files      int `json:"files" yaml:"files"`
	References int `json:"references" yaml:"references"`
	Broken     int `json:"broken" yaml:"broken"`
	Plaintext  int `json:"plaintext" yaml:"plaintext"`
	Errors     int `json:"errors" yaml:"errors"`
}

// Report is the check's result and its JSON and YAML document. Field names
// are a contract: add fields, never rename them.
type Report struct {
	References []Reference `json:"references" yaml:"references"`
	Plaintext  []Plaintext `json:"plaintext" yaml:"plaintext"`
	Errors     []FileError `json:"errors" yaml:"errors"`
	Summary    Summary     `json:"summary" yaml:"summary"`

	strict bool
}

// Failed reports whether the check fails (exit 10): a broken reference, a
// file that could not be read, or with --strict a plaintext credential.
func (r *Report) Failed() bool {
	return r.Summary.Broken > 0 || r.strict && r.Summary.Plaintext > 0
}

// Check judges every reference against the plugin's answer and every
// plaintext credential against strict. ans is the zero answer when the
// scan had no reference.
func (s *Scan) Check(ans plugin.CheckRefsResult, strict bool) *Report {
	groups := make(map[string]plugin.GroupAnswer, len(ans.Groups))
	for _, g := range ans.Groups {
		groups[g.FQN] = g
	}
	r := &Report{References: []Reference{}, Plaintext: []Plaintext{}, Errors: slices.Clone(s.errors), strict: strict}
	if r.Errors == nil {
		r.Errors = []FileError{}
	}
	for _, site := range s.sites {
		ref := judge(site, ans, groups)
		if ref.Status != StatusOK {
			r.Summary.Broken++
		}
		r.References = append(r.References, ref)
	}
	severity := SeverityWarning
	if strict {
		severity = SeverityError
	}
	for _, c := range s.creds {
		r.Plaintext = append(r.Plaintext, Plaintext{Position: c.Position, Name: c.name, Reason: c.found.Reason, Severity: severity,
			Hint: plaintextHint(c, ans.Tenant)})
	}
	byPosition := func(a, b Position) int {
		return cmp.Or(cmp.Compare(a.seq, b.seq), cmp.Compare(a.Document, b.Document), cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Column, b.Column), strings.Compare(a.Path, b.Path))
	}
	slices.SortStableFunc(r.References, func(a, b Reference) int { return byPosition(a.Position, b.Position) })
	slices.SortStableFunc(r.Plaintext, func(a, b Plaintext) int { return byPosition(a.Position, b.Position) })
	r.Summary.Files = s.files
	r.Summary.References = len(r.References)
	r.Summary.Plaintext = len(r.Plaintext)
	r.Summary.Errors = len(r.Errors)
	r.Summary.Broken += len(r.Errors)
	return r
}

// judge gives one reference its status, message and hint.
func judge(s site, ans plugin.CheckRefsResult, groups map[string]plugin.GroupAnswer) Reference {
	ref := Reference{Position: s.Position, Ref: refText(s.check), Status: StatusOK}
	c := s.check
	if c.Status != manifest.RefOK {
		ref.Status, ref.Finding = StatusMalformed, string(c.Status)
		ref.Message, ref.Hint = "malformed reference ("+string(c.Status)+"): "+c.Message(), c.Fix(ans.Tenant)
		return ref
	}
	r := c.Ref
	fqn := r.Tenant + ":" + r.Group
	g, ok := groups[fqn]
	switch {
	case !ok:
		ref.Status = StatusUnreadable
		ref.Message = fmt.Sprintf("secret group %q could not be checked: the plugin gave no answer for it", r.Group)
		ref.Hint = "run the check again; rerun with --debug to see the plugin's own diagnostics"
	case g.Status == plugin.GroupOtherTenant:
		ref.Status = StatusWrongTenant
		ref.Message = fmt.Sprintf("the reference names tenant %q; you are logged in to tenant %q", r.Tenant, ans.Tenant)
		ref.Hint = fmt.Sprintf("if the group is in tenant %s, write %s; otherwise log in to %s's control plane",
			ans.Tenant, manifest.Ref{Tenant: ans.Tenant, Group: r.Group, Key: r.Key}, r.Tenant)
	case g.Status == plugin.GroupNotFound:
		ref.Status = StatusGroupNotFound
		ref.Message = fmt.Sprintf("secret group %q not found in tenant %q", r.Group, r.Tenant)
		if r.Tenant != ans.Tenant && ans.TenantSource == plugin.TenantFromHost {
			ref.Message += fmt.Sprintf(" (the login's tenant is only guessed from the host name: %q)", ans.Tenant)
		}
		ref.Hint = fmt.Sprintf("fix the group name (list groups with: tfy-secrets group list), or create the group: tfy-secrets group create %s --prompt %s", r.Group, r.Key)
	case g.Status == plugin.GroupUnreadable:
		ref.Status = StatusUnreadable
		ref.Message, ref.Hint = g.Message, g.Hint
	default:
		key := keyAnswer(g, r.Key)
		switch {
		case key.Found:
			ref.Hint = s.place.Fix() // the caveat of a place where resolution is unknown
		case key.Suggestion != "":
			ref.Status = StatusKeyNotFound
			ref.Message = fmt.Sprintf("secret group %q has no key %q", r.Group, r.Key)
			ref.Hint = fmt.Sprintf("did you mean %q? write %s", key.Suggestion, manifest.Ref{Tenant: r.Tenant, Group: r.Group, Key: key.Suggestion})
		default:
			ref.Status = StatusKeyNotFound
			ref.Message = fmt.Sprintf("secret group %q has no key %q", r.Group, r.Key)
			ref.Hint = fmt.Sprintf("see its keys with: tfy-secrets group get %s; add the key with: tfy-secrets group update %s --prompt %s", r.Group, r.Group, r.Key)
		}
	}
	return ref
}

func keyAnswer(g plugin.GroupAnswer, key string) plugin.KeyAnswer {
	for _, k := range g.Keys {
		if k.Key == key {
			return k
		}
	}
	return plugin.KeyAnswer{Key: key}
}

// plaintextHint says where a credential belongs instead of where it is.
func plaintextHint(c credential, tenant string) string {
	if c.place.References() != manifest.Resolved {
		return c.place.Fix()
	}
	if !c.found.Whole {
		return "a reference must be the whole value: keep the credential in a secret group, reference it from a value of its own and build this one in the application"
	}
	return "keep the value in a secret group and write its reference here instead: " + manifest.Ref{Tenant: tenant}.String()
}
