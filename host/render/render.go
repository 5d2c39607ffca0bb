// Package render owns how the host shows data: one Renderer interface and
// one implementation per output format (table for people, json and yaml for
// machines), each in its own file. JSON and YAML render the same documents,
// whose field names are a public contract (design section 3).
//
// Renderers only format what the plugin returned: they never see a secret
// value (the plugin hands over masked strings) and never decide what to
// fetch.
package render

import (
	"fmt"
	"io"

	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// Format is an output format, as given to -o/--output.
type Format string

// The output formats.
const (
	Table Format = "table"
	JSON  Format = "json"
	YAML  Format = "yaml"
)

// ParseFormat checks an -o/--output value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case Table, JSON, YAML:
		return f, nil
	}
	return "", fmt.Errorf("unknown output format %q: use table, json or yaml", s)
}

// Renderer writes one kind of document per method.
type Renderer interface {
	Groups(w io.Writer, groups []plugin.Group) error
	GroupDetail(w io.Writer, d plugin.GroupDetail) error
	Secret(w io.Writer, s plugin.SecretInfo) error
	Versions(w io.Writer, vs []plugin.Version) error
	Integrations(w io.Writer, is []plugin.Integration) error
	Plan(w io.Writer, p plugin.Plan) error
	Result(w io.Writer, r plugin.Result) error
	AuthStatus(w io.Writer, s plugin.AuthStatus) error
	Ref(w io.Writer, ref string) error
	Version(w io.Writer, v VersionInfo) error
	Policy(w io.Writer, p plugin.PolicyInfo) error
}

// VersionInfo is what `version` reports.
type VersionInfo struct {
	Version   string `json:"version" yaml:"version"`
	GoVersion string `json:"go" yaml:"go"`
	Platform  string `json:"platform" yaml:"platform"`
}

// New returns the renderer for f. color applies to tables only.
func New(f Format, color bool) Renderer {
	switch f {
	case JSON:
		return docRenderer{write: writeJSON}
	case YAML:
		return yamlRenderer{docRenderer{write: writeYAML}}
	default:
		return tableRenderer{color: color}
	}
}
