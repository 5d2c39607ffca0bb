package manifests

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
)

// SARIF 2.1.0, the subset code scanning (GitHub's among others) reads.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool       sarifTool     `json:"tool"`
	ColumnKind string        `json:"columnKind"`
	Results    []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string      `json:"id"`
	ShortDescription     sarifText   `json:"shortDescription"`
	DefaultConfiguration sarifConfig `json:"defaultConfiguration"`

	text, level string
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

// InformationURI is where the SARIF driver points people.
const InformationURI = "https://github.com/tfy-secrets/tfy-secrets/blob/main/docs/manifests.md"

// WriteSARIF writes the report as a SARIF 2.1.0 log: one run of the
// tfy-secrets driver, with a rule per reference status, malformed variant,
// plaintext and invalid YAML, and a result per finding. Columns count
// Unicode code points, as internal/manifest reports them.
func (r *Report) WriteSARIF(w io.Writer, version string) error {
	rs := rules()
	index := map[string]int{}
	for i := range rs {
		rs[i].ShortDescription = sarifText{rs[i].text}
		rs[i].DefaultConfiguration = sarifConfig{rs[i].level}
		index[rs[i].ID] = i
	}
	run := sarifRun{
		Tool:       sarifTool{Driver: sarifDriver{Name: "tfy-secrets", Version: version, InformationURI: InformationURI, Rules: rs}},
		ColumnKind: "unicodeCodePoints",
		Results:    []sarifResult{},
	}
	for _, f := range r.findings() {
		msg := f.message
		if f.path != "" {
			msg = f.path + ": " + msg
		}
		if f.hint != "" {
			msg += "\nhint: " + f.hint
		}
		loc := sarifPhysical{ArtifactLocation: sarifArtifact{URI: artifactURI(f.file)}}
		if f.line > 0 {
			loc.Region = &sarifRegion{StartLine: f.line, StartColumn: f.column}
		}
		run.Results = append(run.Results, sarifResult{RuleID: f.rule, RuleIndex: index[f.rule], Level: f.level,
			Message: sarifText{msg}, Locations: []sarifLocation{{PhysicalLocation: loc}}})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}}); err != nil {
		return fmt.Errorf("write sarif: %w", err)
	}
	return nil
}

// artifactURI is a file name as a URI reference: relative names stay
// relative (code scanning resolves them against the repository), absolute
// ones become file:// URIs, and every character a URI cannot hold is
// escaped.
func artifactURI(name string) string {
	slashed := filepath.ToSlash(name)
	if filepath.IsAbs(name) {
		return (&url.URL{Scheme: "file", Path: slashed}).String()
	}
	// url.URL puts "./" before a first segment with a ':', which would
	// otherwise read as a scheme.
	return (&url.URL{Path: strings.TrimPrefix(slashed, "./")}).String()
}
