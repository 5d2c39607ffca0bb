package render

import (
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"

	"github.com/tfy-secrets/tfy-secrets/plugin"
)

type yamlRenderer struct{}

var _ Renderer = yamlRenderer{}

func writeYAML(w io.Writer, doc any) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write yaml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("write yaml: %w", err)
	}
	return nil
}

func (yamlRenderer) Groups(w io.Writer, gs []plugin.Group) error {
	return writeYAML(w, toGroupsDoc(gs))
}

func (yamlRenderer) GroupDetail(w io.Writer, d plugin.GroupDetail) error {
	return writeYAML(w, toGroupDetailDoc(d))
}

func (yamlRenderer) Secret(w io.Writer, s plugin.SecretInfo) error {
	return writeYAML(w, toSecretDoc(s))
}

func (yamlRenderer) Versions(w io.Writer, vs []plugin.Version) error {
	return writeYAML(w, toVersionsDoc(vs))
}

func (yamlRenderer) Integrations(w io.Writer, is []plugin.Integration) error {
	return writeYAML(w, toIntegrationsDoc(is))
}

func (yamlRenderer) Plan(w io.Writer, p plugin.Plan) error { return writeYAML(w, toPlanDoc(p)) }

func (yamlRenderer) Result(w io.Writer, r plugin.Result) error { return writeYAML(w, toResultDoc(r)) }

func (yamlRenderer) AuthStatus(w io.Writer, s plugin.AuthStatus) error {
	return writeYAML(w, toAuthStatusDoc(s))
}

func (yamlRenderer) Ref(w io.Writer, ref string) error { return writeYAML(w, refDoc{Ref: ref}) }

func (yamlRenderer) Version(w io.Writer, v VersionInfo) error { return writeYAML(w, v) }

func (yamlRenderer) Policy(w io.Writer, p plugin.PolicyInfo) error {
	return writeYAML(w, toPolicyDoc(p))
}
