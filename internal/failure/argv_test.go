package failure

import (
	"fmt"
	"strings"
	"testing"
)

func TestWord(t *testing.T) {
	t.Parallel()
	for w, want := range map[string]string{
		"DB_PASSWORD=hunter2": "DB_PASSWORD=…",
		"=hunter2":            "=…",
		"K=a=b":               "K=…",
		"K=":                  "K=",
		"group":               "group",
		"":                    "",
		"https://h/?t=x":      "https://h/?t=…",
	} {
		if got := Word(w); got != want {
			t.Errorf("Word(%q) = %q, want %q", w, got, want)
		}
	}
}

func TestArgvHidesValuesAndKeepsNames(t *testing.T) {
	t.Parallel()
	const v = "s3cr3t-value"
	argv := NewArgv([]string{"tfy-secrets", "--timeout=K=" + v, "-o", "DB=" + v, "--yes=" + v, "-X=" + v, "groupname", "E=", "Q=" + v + "\"\t"})
	for msg, want := range map[string]string{
		`unknown command "DB=` + v + `" for "group"`:                 `unknown command "DB=…" for "group"`,
		`invalid value "K=` + v + `" for flag -timeout: parse error`: `invalid value "K=…" for flag -timeout: parse error`,
		`bad flag syntax: --timeout=K=` + v:                          `bad flag syntax: --timeout=…`,
		`unknown command "groupname" for "tfy-secrets"`:              `unknown command "groupname" for "tfy-secrets"`,
		`--from-env E=...: the part after '=' must name a variable`:  `--from-env E=...: the part after '=' must name a variable`,
		`flag provided but not defined: -X`:                          `flag provided but not defined: -X`,
		fmt.Sprintf("%q and %q", "Q="+v+"\"\t", "Q="+v+"\"\t"):       `"Q=…" and "Q=…"`,
		fmt.Sprintf("%q and %q", "DB="+v, "--timeout=K="+v):          `"DB=…" and "--timeout=…"`,
	} {
		got := argv.Hide(msg)
		if got != want {
			t.Errorf("Hide(%q)\n = %q\nwant %q", msg, got, want)
		}
	}
	// A flag's own value without '=' is a name (an output format, a path):
	// it is the one thing typed there, and messages may repeat it.
	if got := argv.Hide(`invalid boolean value "` + v + `" for -yes`); !strings.Contains(got, v) {
		t.Errorf("a flag's plain value was hidden: %q", got)
	}
	if got := (Argv{}).Hide("unchanged"); got != "unchanged" {
		t.Errorf("zero Argv changed a message: %q", got)
	}
}

// FuzzArgv checks, for any command line, that no message built from its
// words shows what follows a word's '=' and that words without one pass
// unchanged.
func FuzzArgv(f *testing.F) {
	f.Add("K=v", "group")
	f.Add("--timeout=K=v", "-o")
	f.Add("=", "a=b=c")
	f.Fuzz(func(t *testing.T, a, b string) {
		argv := NewArgv([]string{a, b})
		for _, w := range []string{a, b} {
			got := argv.Hide(fmt.Sprintf("error: %q here", w))
			key, value, found := strings.Cut(w, "=")
			switch {
			case !found || value == "":
				if !strings.Contains(got, fmt.Sprintf("%q", w)) && !strings.Contains(got, Hidden) {
					t.Fatalf("name %q changed: %q", w, got)
				}
			case !strings.Contains(got, fmt.Sprintf("%q", key+"="+Hidden)):
				t.Fatalf("%q shown as %q, want %q", w, got, key+"="+Hidden)
			}
		}
	})
}
