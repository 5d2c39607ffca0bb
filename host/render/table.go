package render

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/secret"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// tableRenderer writes aligned text for people. Colour (when the stream is a
// terminal and NO_COLOR is unset) marks plan actions only, so the text stays
// readable without it.
type tableRenderer struct{ color bool }

var _ Renderer = tableRenderer{}

const (
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiRed    = "\x1b[31m"
	ansiReset  = "\x1b[0m"
)

// human renders a time for people; "-" when unknown.
func human(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// orDash is the cell for s, a string from the server: "-" when empty,
// and never anything a terminal would act on (see Text).
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return Text(s)
}

func newTab(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 0, 3, ' ', 0) }

// fields writes "Label:  value" lines aligned on the values.
func fields(w io.Writer, rows [][2]string) error {
	tw := newTab(w)
	for _, r := range rows {
		_, _ = fmt.Fprintf(tw, "%s:\t%s\n", r[0], r[1])
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

func (tableRenderer) Groups(w io.Writer, gs []plugin.Group) error {
	if len(gs) == 0 {
		_, err := fmt.Fprintln(w, "No secret groups found.")
		return err
	}
	tw := newTab(w)
	_, _ = fmt.Fprintln(tw, "NAME\tID\tSECRETS")
	for _, g := range gs {
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%d\n", Text(g.Name), Text(g.ID), g.SecretCount)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

func integrationLabel(i plugin.Integration) string {
	switch {
	case i.Provider != "" && i.Store != "":
		label := i.Provider + "/" + i.Store
		if i.FQN != "" {
			label += " (" + i.FQN + ")"
		}
		return Text(label)
	case i.FQN != "":
		return Text(i.FQN)
	}
	return "-"
}

func (tableRenderer) GroupDetail(w io.Writer, d plugin.GroupDetail) error {
	name := d.Group.Name
	if d.Group.FQN != "" {
		name += " (" + d.Group.FQN + ")"
	}
	if err := fields(w, [][2]string{
		{"Group", Text(name)},
		{"ID", orDash(d.Group.ID)},
		{"Integration", integrationLabel(d.Integration)},
		{"Secrets", strconv.Itoa(len(d.Secrets))},
		{"Updated", human(d.Group.UpdatedAt)},
	}); err != nil {
		return err
	}
	if len(d.Secrets) == 0 {
		return nil
	}
	_, _ = fmt.Fprintln(w)
	tw := newTab(w)
	_, _ = fmt.Fprintln(tw, "KEY\tID\tVALUE\tVERSION\tUPDATED")
	for _, s := range d.Secrets {
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", Text(s.Key), orDash(s.ID), orDash(s.Masked), version(s.Version), human(s.UpdatedAt))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

func version(v int) string {
	if v <= 0 {
		return "-"
	}
	return strconv.Itoa(v)
}

func (tableRenderer) Secret(w io.Writer, s plugin.SecretInfo) error {
	return fields(w, [][2]string{
		{"Key", Text(s.Key)},
		{"Group", orDash(s.Group)},
		{"ID", orDash(s.ID)},
		{"FQN", orDash(s.FQN)},
		{"Value", orDash(s.Masked)},
		{"Version", version(s.Version)},
		{"Updated", human(s.UpdatedAt)},
	})
}

func (tableRenderer) Versions(w io.Writer, vs []plugin.Version) error {
	if len(vs) == 0 {
		_, err := fmt.Fprintln(w, "No versions reported.")
		return err
	}
	tw := newTab(w)
	_, _ = fmt.Fprintln(tw, "VERSION\tCREATED")
	for _, v := range vs {
		_, _ = fmt.Fprintf(tw, "%d\t%s\n", v.Version, human(v.CreatedAt))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

func (tableRenderer) Integrations(w io.Writer, is []plugin.Integration) error {
	if len(is) == 0 {
		_, err := fmt.Fprintln(w, "No secret-store integrations found.")
		return err
	}
	tw := newTab(w)
	_, _ = fmt.Fprintln(tw, "NAME\tPROVIDER\tSTORE\tLOCATION\tFQN\tRULES")
	for _, i := range is {
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", Text(i.Name), orDash(i.Provider), orDash(i.Store), orDash(i.Location), orDash(i.FQN), orDash(i.Rules))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

var actionSymbol = map[plugin.Action]string{
	plugin.ActionAdd: "+", plugin.ActionRotate: "~", plugin.ActionKeep: "=", plugin.ActionUnchanged: "=", plugin.ActionRemove: "-",
}

var actionColor = map[plugin.Action]string{
	plugin.ActionAdd: ansiGreen, plugin.ActionRotate: ansiYellow, plugin.ActionRemove: ansiRed,
}

func symbol(a plugin.Action) string {
	if s, ok := actionSymbol[a]; ok {
		return s
	}
	return "?"
}

// The headers quote the group with %q, which escapes what a terminal
// would act on; the integration label is neutralised like every cell.
func planHeader(p plugin.Plan) string {
	store := ""
	if p.Store != "" {
		store = " (" + Text(p.Store) + ")"
	}
	switch p.Operation {
	case plugin.OpGroupCreate:
		return fmt.Sprintf("Plan to create secret group %q%s:", p.Group, store)
	case plugin.OpGroupDelete:
		return fmt.Sprintf("Plan to delete secret group %q%s:", p.Group, store)
	case plugin.OpSecretDelete:
		return fmt.Sprintf("Plan to delete a secret of group %q%s:", p.Group, store)
	case plugin.OpManifestMigrate:
		return fmt.Sprintf("Plan to migrate manifest values into secret group %q%s:", p.Group, store)
	}
	return fmt.Sprintf("Plan for secret group %q%s:", p.Group, store)
}

func isDelete(op plugin.Operation) bool {
	return op == plugin.OpGroupDelete || op == plugin.OpSecretDelete
}

// Plan prints design section 3's plan shape. Columns are padded by hand
// rather than with tabwriter because keep and remove lines have no origin
// column, which would split tabwriter's column blocks.
func (t tableRenderer) Plan(w io.Writer, p plugin.Plan) error {
	keyW, actW := 0, 0
	for _, c := range p.Changes {
		keyW = max(keyW, len(Text(c.Key)))
		actW = max(actW, len(c.Action))
	}
	var b strings.Builder
	b.WriteString(planHeader(p))
	b.WriteByte('\n')
	for _, c := range p.Changes {
		sym := symbol(c.Action)
		if col, ok := actionColor[c.Action]; ok && t.color {
			sym = col + sym + ansiReset
		}
		line := fmt.Sprintf("  %s %-*s   %-*s", sym, keyW, Text(c.Key), actW, Text(string(c.Action)))
		if c.Origin != "" {
			line += "   from " + Text(c.Origin)
		}
		b.WriteString(strings.TrimRight(line, " "))
		b.WriteByte('\n')
	}
	if isDelete(p.Operation) {
		if p.ActiveDeployments >= 0 {
			fmt.Fprintf(&b, "Active deployments using this group: %d\n", p.ActiveDeployments)
		} else {
			b.WriteString("Active deployments using this group: unknown\n")
		}
	}
	for _, warn := range p.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", Text(warn))
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	return nil
}

var pastTense = map[plugin.Action]string{
	plugin.ActionAdd: "added", plugin.ActionRotate: "rotated", plugin.ActionKeep: "kept", plugin.ActionUnchanged: "unchanged", plugin.ActionRemove: "removed",
}

// changesNothing reports whether a result wrote nothing: every key kept or
// given the value it already had.
func changesNothing(r plugin.Result) bool {
	for _, c := range r.Changes {
		if c.Action != plugin.ActionKeep && c.Action != plugin.ActionUnchanged {
			return false
		}
	}
	return true
}

func resultHeader(r plugin.Result) string {
	if !isDelete(r.Operation) && r.Operation != plugin.OpGroupCreate && changesNothing(r) {
		return fmt.Sprintf("Nothing to write to secret group %q: it already holds these values", r.Group)
	}
	switch r.Operation {
	case plugin.OpGroupCreate:
		return fmt.Sprintf("Created secret group %q", r.Group)
	case plugin.OpGroupDelete:
		return fmt.Sprintf("Deleted secret group %q", r.Group)
	case plugin.OpSecretDelete:
		return fmt.Sprintf("Deleted a secret of group %q", r.Group)
	case plugin.OpManifestMigrate:
		return fmt.Sprintf("Migrated manifest values into secret group %q", r.Group)
	}
	return fmt.Sprintf("Updated secret group %q", r.Group)
}

// Result lists the keys that changed; kept keys are only counted, because a
// large group would otherwise bury the few lines that matter.
func (t tableRenderer) Result(w io.Writer, r plugin.Result) error {
	var b strings.Builder
	b.WriteString(resultHeader(r))
	switch {
	case changesNothing(r) && !isDelete(r.Operation) && r.Operation != plugin.OpGroupCreate:
	case r.Verified:
		b.WriteString(" (verified)")
	case !isDelete(r.Operation):
		b.WriteString(" (not verified)")
	}
	b.WriteString("\n")
	keyW, kept := 0, 0
	for _, c := range r.Changes {
		if c.Action != plugin.ActionKeep {
			keyW = max(keyW, len(Text(c.Key)))
		}
	}
	for _, c := range r.Changes {
		if c.Action == plugin.ActionKeep {
			kept++
			continue
		}
		fmt.Fprintf(&b, "  %s %-*s   %s\n", symbol(c.Action), keyW, Text(c.Key), pastTense[c.Action])
	}
	switch {
	case kept == 1:
		b.WriteString("  1 other key kept\n")
	case kept > 1:
		fmt.Fprintf(&b, "  %d other keys kept\n", kept)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write result: %w", err)
	}
	return nil
}

func (tableRenderer) AuthStatus(w io.Writer, s plugin.AuthStatus) error {
	host := s.Host
	if s.HostSource != "" {
		host += " (from " + s.HostSource + ")"
	}
	return fields(w, [][2]string{
		{"Host", Text(host)},
		{"Tenant", Text(tenantText(s))},
		{"API key", secret.Redacted + " from " + Text(orDash(s.KeySource))},
		{"User", Text(orDash(s.User))},
		{"Key check", Text(keyCheckText(s))},
	})
}

// tenantText says where the tenant came from, and when it is only a guess.
func tenantText(s plugin.AuthStatus) string {
	switch {
	case s.Tenant == "":
		return "-"
	case s.TenantSource == plugin.TenantFromKey:
		return s.Tenant + " (from the API key)"
	case s.TenantSource == plugin.TenantFromAPI:
		return s.Tenant + " (from the API)"
	case s.TenantSource == plugin.TenantFromHost:
		return s.Tenant + " (a guess from the host name: neither the API nor the API key names it)"
	}
	return s.Tenant
}

// keyCheckText says whether the host accepted the key.
func keyCheckText(s plugin.AuthStatus) string {
	text := map[plugin.KeyCheck]string{plugin.KeyValid: "valid", plugin.KeyRejected: "rejected", plugin.KeyUnverified: "not checked"}[s.KeyCheck]
	switch {
	case text == "":
		return "-"
	case s.KeyCheckDetail != "":
		return text + ": " + s.KeyCheckDetail
	}
	return text
}

func (tableRenderer) Ref(w io.Writer, ref string) error {
	_, err := fmt.Fprintln(w, Text(ref))
	return err
}

func (tableRenderer) Version(w io.Writer, v VersionInfo) error {
	_, err := fmt.Fprintf(w, "tfy-secrets %s (%s %s)\n", Text(v.Version), Text(v.GoVersion), Text(v.Platform))
	return err
}

// Policy prints each module's source under a comment line naming it, so the
// output is itself readable Rego.
func (tableRenderer) Policy(w io.Writer, p plugin.PolicyInfo) error {
	var b strings.Builder
	if p.Bundle != "" {
		fmt.Fprintf(&b, "# organisation bundle: %s\n", Text(p.Bundle))
	}
	for i, m := range p.Modules {
		if i > 0 || p.Bundle != "" {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "# --- %s ---\n%s", Text(m.Name), Block(m.Source))
		if !strings.HasSuffix(m.Source, "\n") {
			b.WriteByte('\n')
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write policy: %w", err)
	}
	return nil
}
