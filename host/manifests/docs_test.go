package manifests

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestDocsDescribeEveryStatusAndFormat keeps docs/manifests.md in step with
// the check: every status has a row, every format and rule is named.
func TestDocsDescribeEveryStatusAndFormat(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../docs/manifests.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, s := range Statuses() {
		if !strings.Contains(doc, "| `"+string(s)+"` |") {
			t.Errorf("docs/manifests.md has no row for status %s", s)
		}
	}
	for _, f := range Formats() {
		if f != string(FormatText) && !strings.Contains(doc, "`--format "+f+"`") {
			t.Errorf("docs/manifests.md does not describe --format %s", f)
		}
	}
	for _, r := range []string{rulePlaintext, ruleUnknownPlace, ruleYAML} {
		if !strings.Contains(doc, "`"+r+"`") {
			t.Errorf("docs/manifests.md does not name the SARIF rule %s", r)
		}
	}
	if n := len(rules()); !strings.Contains(doc, "two of the "+strconv.Itoa(n)) {
		t.Errorf("docs/manifests.md does not say there are %d rules", n)
	}
}
