package manifest

import (
	"os"
	"strings"
	"testing"
)

// TestDocsDescribeEveryFinding keeps docs/manifests.md in step with the
// code: every reference status, with its message and fix, every place and
// every place's fix is written there as the code says it.
func TestDocsDescribeEveryFinding(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../docs/manifests.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.NewReplacer("&lt;", "<", "&gt;", ">").Replace(string(b))
	examples := map[RefStatus]RefCheck{
		RefWhitespace:     ParseRef(" tfy-secret://acme:payments:DB_PASSWORD "),
		RefSchemeCase:     ParseRef("TFY-SECRET://acme:payments:DB_PASSWORD"),
		RefSchemeSlashes:  ParseRef("tfy-secret:/acme:payments:DB_PASSWORD"),
		RefSlashSeparator: ParseRef("tfy-secret://payments/DB_PASSWORD"),
		RefMissingTenant:  ParseRef("tfy-secret://payments:DB_PASSWORD"),
		RefExtraPart:      ParseRef("tfy-secret://acme:ws:payments:DB_PASSWORD"),
		RefEmptySegment:   ParseRef("tfy-secret://acme:payments:"),
		RefMissingScheme:  parseFQN("acme:payments:SSH_KEY"),
		RefEmbedded:       ParseRef("Bearer tfy-secret://acme:payments:API_TOKEN"),
		RefUnfamiliar:     ParseRef("tfy-secret://DB_PASSWORD"),
	}
	for _, s := range RefStatuses() {
		if !strings.Contains(doc, "| `"+string(s)+"` |") {
			t.Errorf("docs/manifests.md has no row for status %s", s)
		}
		c, ok := examples[s]
		if !ok {
			continue
		}
		if c.Status != s {
			t.Fatalf("the example for %s reads as %s", s, c.Status)
		}
		for _, text := range []string{c.Message(), c.Fix("")} {
			if !strings.Contains(doc, text) {
				t.Errorf("docs/manifests.md does not say, for %s: %s", s, text)
			}
		}
	}
	for _, p := range Places() {
		if fix := p.Fix(); fix != "" && !strings.Contains(doc, fix) {
			t.Errorf("docs/manifests.md does not give the fix for %s: %s", p, fix)
		}
		if p.References() == Unresolved && !strings.Contains(doc, checkRef(p, "tfy-secret://a:b:c").Message()[len("references are not resolved in "):]) {
			t.Errorf("docs/manifests.md does not name the place %s", p)
		}
	}
}
