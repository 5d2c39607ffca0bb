package render

import (
	"io"

	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// Migration is what manifest migrate reports for machines (design section
// 3): the plan, as a --dry-run prints it, the values the rewrite of the
// manifest replaces with references, the credentials it had to leave, the
// group write's result once there is one, and whether the file was
// rewritten. Plan is nil when there was nothing to migrate.
type Migration struct {
	Plan    *plugin.Plan
	Result  *plugin.Result
	Edits   []MigrationEdit
	Skipped []MigrationSkip
	Written bool
}

// MigrationEdit is one value replaced by a reference: where it was, the
// name the manifest gives it (Env), the key the group keeps it under and
// the reference that replaces it. Never the value.
type MigrationEdit struct {
	File     string
	Line     int
	Document int
	Path     string
	Env      string
	Key      string
	Ref      string
}

// MigrationSkip is a credential left in the manifest: where, why it looks
// like one, why it could not be migrated and what to do instead.
type MigrationSkip struct {
	File     string
	Line     int
	Document int
	Path     string
	Env      string
	Reason   string
	Problem  string
	Fix      string
}

type migrationEditDoc struct {
	File     string `json:"file" yaml:"file"`
	Line     int    `json:"line" yaml:"line"`
	Document int    `json:"document" yaml:"document"`
	Path     string `json:"path" yaml:"path"`
	Env      string `json:"env" yaml:"env"`
	Key      string `json:"key" yaml:"key"`
	Ref      string `json:"ref" yaml:"ref"`
}

type migrationSkipDoc struct {
	File     string `json:"file" yaml:"file"`
	Line     int    `json:"line" yaml:"line"`
	Document int    `json:"document" yaml:"document"`
	Path     string `json:"path" yaml:"path"`
	Env      string `json:"env" yaml:"env"`
	Reason   string `json:"reason" yaml:"reason"`
	Problem  string `json:"problem" yaml:"problem"`
	Fix      string `json:"fix" yaml:"fix"`
}

type migrationDoc struct {
	Plan    *planDoc           `json:"plan" yaml:"plan"`
	Result  *resultDoc         `json:"result,omitempty" yaml:"result,omitempty"`
	Edits   []migrationEditDoc `json:"edits" yaml:"edits"`
	Skipped []migrationSkipDoc `json:"skipped" yaml:"skipped"`
	Written bool               `json:"written" yaml:"written"`
}

// WriteMigration writes m in f, which must be JSON or YAML: a migration's
// table output is a plan, a diff and a result, each written on its own.
func WriteMigration(w io.Writer, f Format, m Migration) error {
	d := migrationDoc{Edits: make([]migrationEditDoc, 0, len(m.Edits)), Skipped: make([]migrationSkipDoc, 0, len(m.Skipped)), Written: m.Written}
	if m.Plan != nil {
		p := toPlanDoc(*m.Plan).Plan
		d.Plan = &p
	}
	if m.Result != nil {
		r := toResultDoc(*m.Result).Result
		d.Result = &r
	}
	for _, e := range m.Edits {
		d.Edits = append(d.Edits, migrationEditDoc(e))
	}
	for _, s := range m.Skipped {
		d.Skipped = append(d.Skipped, migrationSkipDoc(s))
	}
	if f == YAML {
		return writeYAML(w, d)
	}
	return writeJSON(w, d)
}
