package migrate

import (
	"strings"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
)

// parseKeys reads the values of --keys (repeatable, each a comma-separated
// list) into the names they give, in order, each once. A name must be a
// key a reference can end in; the error does not repeat what was typed, a
// name that does not parse may be a value pasted by mistake.
func parseKeys(flags []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, f := range flags {
		for name := range strings.SplitSeq(f, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				return nil, cmdutil.UsageError("--keys has an empty name: give names separated by commas, e.g. --keys DB_PASSWORD,API_KEY")
			}
			if err := cmdutil.ValidateKey(name); err != nil {
				return nil, cmdutil.UsageError("--keys: %s", err.Error())
			}
			if strings.Contains(name, "/") {
				return nil, cmdutil.UsageError("--keys: a name contains '/', which a tfy-secret:// reference cannot hold")
			}
			if !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	return out, nil
}
