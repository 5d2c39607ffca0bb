package render

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/tfy-secrets/tfy-secrets/plugin"
)

type jsonRenderer struct{}

var _ Renderer = jsonRenderer{}

func writeJSON(w io.Writer, doc any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

func (jsonRenderer) Groups(w io.Writer, gs []plugin.Group) error {
	return writeJSON(w, toGroupsDoc(gs))
}

func (jsonRenderer) GroupDetail(w io.Writer, d plugin.GroupDetail) error {
	return writeJSON(w, toGroupDetailDoc(d))
}

func (jsonRenderer) Secret(w io.Writer, s plugin.SecretInfo) error {
	return writeJSON(w, toSecretDoc(s))
}

func (jsonRenderer) Versions(w io.Writer, vs []plugin.Version) error {
	return writeJSON(w, toVersionsDoc(vs))
}

func (jsonRenderer) Integrations(w io.Writer, is []plugin.Integration) error {
	return writeJSON(w, toIntegrationsDoc(is))
}

func (jsonRenderer) Plan(w io.Writer, p plugin.Plan) error { return writeJSON(w, toPlanDoc(p)) }

func (jsonRenderer) Result(w io.Writer, r plugin.Result) error { return writeJSON(w, toResultDoc(r)) }

func (jsonRenderer) AuthStatus(w io.Writer, s plugin.AuthStatus) error {
	return writeJSON(w, toAuthStatusDoc(s))
}

func (jsonRenderer) Ref(w io.Writer, ref string) error { return writeJSON(w, refDoc{Ref: ref}) }

func (jsonRenderer) Version(w io.Writer, v VersionInfo) error { return writeJSON(w, v) }

func (jsonRenderer) Policy(w io.Writer, p plugin.PolicyInfo) error {
	return writeJSON(w, toPolicyDoc(p))
}
