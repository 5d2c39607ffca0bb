package manifests

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/tfy-secrets/tfy-secrets/host/render"
	"github.com/tfy-secrets/tfy-secrets/internal/manifest"
)

// Format is a --format of manifest check: how a table run (no -o json or
// -o yaml) shows its findings.
type Format string

// The formats.
const (
	FormatText   Format = "text"
	FormatGitHub Format = "github"
	FormatSARIF  Format = "sarif"
)

// Formats lists the formats, for flag help and completion.
func Formats() []string {
	return []string{string(FormatText), string(FormatGitHub), string(FormatSARIF)}
}

// ParseFormat checks a --format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case FormatText, FormatGitHub, FormatSARIF:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q: use text, github or sarif", s)
}

// The levels of a finding, as compilers and SARIF name them.
const (
	levelError   = "error"
	levelWarning = "warning"
	levelNote    = "note"
)

// finding is one line of a report for people, in any format: what the
// text, GitHub and SARIF writers share.
type finding struct {
	file         string
	seq          int
	line, column int
	level        string
	rule         string // the SARIF rule: a status, a malformed variant, plaintext, yaml
	path         string
	message      string
	hint         string
}

// Rule ids for findings that are not reference statuses.
const (
	ruleUnknownPlace = "unknown_place"
	rulePlaintext    = "plaintext"
	ruleYAML         = "invalid_yaml"
)

// findings lists what a report has to say, by file in the order read and
// then by position: broken references and unreadable files as errors,
// plaintext as warnings (errors with --strict), and a note for a working
// reference in a place where the sources do not say references resolve.
func (r *Report) findings() []finding {
	var out []finding
	for _, e := range r.Errors {
		out = append(out, finding{file: e.File, seq: e.seq, line: e.Line, column: e.Column, level: levelError, rule: ruleYAML, message: e.Message})
	}
	for _, ref := range r.References {
		f := finding{file: ref.File, seq: ref.seq, line: ref.Line, column: ref.Column, path: ref.Path, message: ref.Message, hint: ref.Hint}
		switch {
		case ref.Status == StatusMalformed:
			f.level, f.rule = levelError, ref.Finding
		case ref.Status != StatusOK:
			f.level, f.rule = levelError, string(ref.Status)
		case ref.Hint != "":
			f.level, f.rule = levelNote, ruleUnknownPlace
			f.message = "the key exists, but TrueFoundry's sources do not say whether the platform resolves a reference in this place"
		default:
			continue
		}
		out = append(out, f)
	}
	for _, p := range r.Plaintext {
		level := levelWarning
		if p.Severity == SeverityError {
			level = levelError
		}
		out = append(out, finding{file: p.File, seq: p.seq, line: p.Line, column: p.Column, level: level, rule: rulePlaintext,
			path: p.Path, message: "plaintext credential (" + p.Reason + ")", hint: p.Hint})
	}
	slices.SortStableFunc(out, func(a, b finding) int {
		return cmp.Or(cmp.Compare(a.seq, b.seq), cmp.Compare(a.line, b.line), cmp.Compare(a.column, b.column))
	})
	return out
}

// rules are every SARIF rule a report can use, each with its level and
// what it means, in a fixed order so that rule indexes are stable.
func rules() []sarifRule {
	out := []sarifRule{
		{ID: ruleYAML, text: "The file is not valid YAML, so none of its references could be checked.", level: levelError},
		{ID: string(StatusWrongTenant), text: "The reference names another tenant than the one logged in to.", level: levelError},
		{ID: string(StatusGroupNotFound), text: "The reference names a secret group that does not exist.", level: levelError},
		{ID: string(StatusKeyNotFound), text: "The reference names a key its secret group does not hold (keys are case-sensitive).", level: levelError},
		{ID: string(StatusUnreadable), text: "The reference's secret group could not be read with this API key.", level: levelError},
	}
	for _, s := range manifest.RefStatuses() {
		if s != manifest.RefOK {
			out = append(out, sarifRule{ID: string(s), text: "Malformed reference (" + strings.ReplaceAll(string(s), "_", " ") + "): it will not resolve as written.", level: levelError})
		}
	}
	return append(out,
		sarifRule{ID: rulePlaintext, text: "A plaintext value that looks like a credential; keep it in a secret group and reference it.", level: levelWarning},
		sarifRule{ID: ruleUnknownPlace, text: "A reference in a place where TrueFoundry's sources do not say references resolve.", level: levelNote})
}

// Summary line: what a table run ends with.
func (r *Report) summaryLine() string {
	s := r.Summary
	line := fmt.Sprintf("%s, %s: %s", plural(s.Files, "file"), plural(s.References, "reference"), plural(s.Broken-s.Errors, "broken reference"))
	if s.Errors > 0 {
		line += ", " + plural(s.Errors, "file") + " not checked"
	}
	line += ", " + plural(s.Plaintext, "plaintext credential")
	switch {
	case s.Plaintext == 1 && !r.strict:
		line += " (a warning; an error with --strict)"
	case s.Plaintext > 1 && !r.strict:
		line += " (warnings; errors with --strict)"
	}
	if r.Failed() {
		return line + ": check failed"
	}
	return line
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// WriteText writes compiler-style lines, one per finding
// (FILE:LINE:COLUMN: LEVEL: PATH: MESSAGE, then an indented hint), and
// the summary line. color marks the levels for a terminal.
func (r *Report) WriteText(w io.Writer, color bool) error {
	bw := bufio.NewWriter(w)
	for _, f := range r.findings() {
		level := f.level
		if color {
			level = map[string]string{levelError: "\x1b[31m", levelWarning: "\x1b[33m", levelNote: "\x1b[36m"}[level] + level + "\x1b[0m"
		}
		msg := f.message
		if f.path != "" {
			msg = f.path + ": " + msg
		}
		fmt.Fprintf(bw, "%s: %s: %s\n", render.Text(where(f)), level, render.Text(msg))
		if f.hint != "" {
			fmt.Fprintf(bw, "  hint: %s\n", render.Text(f.hint))
		}
	}
	fmt.Fprintln(bw, r.summaryLine())
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// where is FILE:LINE:COLUMN, or less when the position is not known.
func where(f finding) string {
	switch {
	case f.line > 0 && f.column > 0:
		return fmt.Sprintf("%s:%d:%d", f.file, f.line, f.column)
	case f.line > 0:
		return fmt.Sprintf("%s:%d", f.file, f.line)
	}
	return f.file
}
