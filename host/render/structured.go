package render

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// docRenderer renders the documents of document.go with one encoder, so
// JSON and YAML are the same document by construction (only the encoding
// differs).
type docRenderer struct {
	write func(io.Writer, any) error
}

var _ Renderer = docRenderer{}

func (r docRenderer) Groups(w io.Writer, gs []plugin.Group) error {
	return r.write(w, toGroupsDoc(gs))
}

func (r docRenderer) GroupDetail(w io.Writer, d plugin.GroupDetail) error {
	return r.write(w, toGroupDetailDoc(d))
}

func (r docRenderer) Secret(w io.Writer, s plugin.SecretInfo) error {
	return r.write(w, toSecretDoc(s))
}

func (r docRenderer) Versions(w io.Writer, vs []plugin.Version) error {
	return r.write(w, toVersionsDoc(vs))
}

func (r docRenderer) Integrations(w io.Writer, is []plugin.Integration) error {
	return r.write(w, toIntegrationsDoc(is))
}

func (r docRenderer) Plan(w io.Writer, p plugin.Plan) error { return r.write(w, toPlanDoc(p)) }

func (r docRenderer) Result(w io.Writer, res plugin.Result) error {
	return r.write(w, toResultDoc(res))
}

func (r docRenderer) AuthStatus(w io.Writer, s plugin.AuthStatus) error {
	return r.write(w, toAuthStatusDoc(s))
}

func (r docRenderer) Ref(w io.Writer, ref string) error { return r.write(w, refDoc{Ref: ref}) }

func (r docRenderer) Version(w io.Writer, v VersionInfo) error { return r.write(w, v) }

func (r docRenderer) Policy(w io.Writer, p plugin.PolicyInfo) error {
	return r.write(w, toPolicyDoc(p))
}

// Document writes doc in f, JSON or YAML, for the documents of commands
// whose data is not the plugin's (manifest check's report, where-used's
// uses), which own their field names the same way document.go does. A
// table format is not a document format: such commands write their own
// text. Their messages and hints quote placeholders such as
// tfy-secret://<tenant>:<group>:<key>, so '<', '>' and '&' are written as
// they are, not as HTML-safe escapes no terminal or script needs.
func Document(w io.Writer, f Format, doc any) error {
	if f == YAML {
		return writeYAML(w, doc)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}
