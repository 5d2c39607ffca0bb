package manifests

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteGitHub writes one GitHub Actions workflow command per finding
// (::error, ::warning or ::notice with file, line, col and title), which
// the runner shows as annotations on the files of a pull request, then
// the summary line as plain log text.
func (r *Report) WriteGitHub(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for _, f := range r.findings() {
		command := map[string]string{levelError: "error", levelWarning: "warning", levelNote: "notice"}[f.level]
		props := []string{"file=" + ghProperty(f.file)}
		if f.line > 0 {
			props = append(props, "line="+strconv.Itoa(f.line))
			if f.column > 0 {
				props = append(props, "col="+strconv.Itoa(f.column))
			}
		}
		props = append(props, "title="+ghProperty("tfy-secrets "+f.rule))
		msg := f.message
		if f.path != "" {
			msg = f.path + ": " + msg
		}
		if f.hint != "" {
			msg += "\nhint: " + f.hint
		}
		fmt.Fprintf(bw, "::%s %s::%s\n", command, strings.Join(props, ","), ghData(msg))
	}
	fmt.Fprintln(bw, ghData(r.summaryLine()))
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// ghData escapes a workflow command's message the way the runner reads
// it back (actions/toolkit's escapeData): a line break cannot end the
// command early, nor start another.
var ghData = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace

// ghProperty escapes a property value (escapeProperty): ':' and ',' too,
// which would otherwise end the value.
var ghProperty = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace
