package cmdutil

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
)

func testApp() *cli.App {
	return &cli.App{
		Name: "x",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "output `FORMAT`"},
			&cli.StringFlag{Name: "host"},
			&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}},
			&cli.BoolFlag{Name: "dry-run"},
			&cli.DurationFlag{Name: "timeout", Usage: "after `DURATION`"},
			&cli.BoolFlag{Name: "version", Aliases: []string{"v"}},
		},
		Commands: []*cli.Command{
			{Name: "group", Subcommands: []*cli.Command{
				{Name: "update", Flags: []cli.Flag{&cli.StringSliceFlag{Name: "from-env"}, &cli.BoolFlag{Name: "replace"}}},
				{Name: "list", Aliases: []string{"ls"}},
			}},
			{Name: "policy", Subcommands: []*cli.Command{
				{Name: "build", Flags: []cli.Flag{&cli.StringFlag{Name: "output", Aliases: []string{"o"}}}},
			}},
			{Name: "version"},
			{Name: "help"},
		},
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in     []string
		want   []string
		output string
	}{
		{[]string{"x", "group", "update", "app", "--from-env", "K", "-o", "json", "--replace"},
			[]string{"x", "-o", "json", "group", "update", "--from-env", "K", "--replace", "--", "app"}, "json"},
		{[]string{"x", "-o=yaml", "group", "ls", "-y"},
			[]string{"x", "-o=yaml", "-y", "group", "ls"}, "yaml"},
		// A flag's value is never taken for a command word or positional.
		{[]string{"x", "group", "update", "--host", "group", "app", "--from-env", "-o"},
			[]string{"x", "--host", "group", "group", "update", "--from-env", "-o", "--", "app"}, ""},
		// After `policy build`, -o is the command's own flag.
		{[]string{"x", "policy", "build", "dir", "-o", "b.tar.gz"},
			[]string{"x", "policy", "build", "-o", "b.tar.gz", "--", "dir"}, ""},
		{[]string{"x", "--output", "json", "policy", "build", "dir", "-o", "b"},
			[]string{"x", "--output", "json", "policy", "build", "-o", "b", "--", "dir"}, "json"},
		// Positionals after -- stay positional, even when they look like flags.
		{[]string{"x", "group", "update", "app", "--", "-y", "group"},
			[]string{"x", "group", "update", "--", "app", "-y", "group"}, ""},
		{[]string{"x", "-h"}, []string{"x", "-h"}, ""},
		{[]string{"x", "--timeout=5s", "-yes=false", "group"}, []string{"x", "--timeout=5s", "-yes=false", "group"}, ""},
		{[]string{"x"}, []string{"x"}, ""},
		{nil, nil, ""},
		// help WORDS... is WORDS... --help; --version alone is `version`.
		{[]string{"x", "help"}, []string{"x", "--help"}, ""},
		{[]string{"x", "help", "group", "ls", "-o", "json"}, []string{"x", "-o", "json", "group", "ls", "--help"}, "json"},
		{[]string{"x", "-v"}, []string{"x", "-v", "version"}, ""},
		{[]string{"x", "--version", "-o", "json"}, []string{"x", "--version", "-o", "json", "version"}, "json"},
	} {
		got, err := Normalize(testApp(), tc.in)
		if err != nil || !slices.Equal(got.Argv, tc.want) || got.Output != tc.output {
			t.Errorf("%q:\n got %q (%q) %v\nwant %q (%q)", tc.in, got.Argv, got.Output, err, tc.want, tc.output)
		}
	}
}

// TestNormalizeRefuses: every mistake is a usage error in the words of the
// command line, in the order typed, with a hint; the output format typed
// before it is still known.
func TestNormalizeRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in            []string
		message, hint string
	}{
		{[]string{"x", "grop", "list"}, `unknown command "grop" for "x"`, `did you mean "group"? See ` + "`x --help`"},
		{[]string{"x", "group", "lsit"}, `unknown command "lsit" for "x group"`, `did you mean "list"? See ` + "`x group --help`"},
		{[]string{"x", "nope", "--help"}, `unknown command "nope" for "x"`, "the commands are group, policy, version, help; see `x --help`"},
		{[]string{"x", "group", "nope", "-h"}, `unknown command "nope" for "x group"`, "the commands are update, list; see `x group --help`"},
		{[]string{"x", "help", "nope"}, `unknown command "nope" for "x"`, "the commands are group, policy, version, help"},
		{[]string{"x", "help", "group", "list", "extra"}, `unknown command "extra" for "x group list"`, ""},
		{[]string{"x", "group", "help"}, `unknown command "help" for "x group"`, "run `x help group` or `x group --help`"},
		{[]string{"x", "--bogus", "nope"}, "unknown flag --bogus", "see the flags with `x --help`"},
		{[]string{"x", "group", "list", "--dryrun"}, "unknown flag --dryrun", "did you mean --dry-run? See `x group list --help`"},
		{[]string{"x", "group", "update", "--from-evn", "K"}, "unknown flag --from-evn", "did you mean --from-env?"},
		{[]string{"x", "group", "update", "-z"}, "unknown flag -z", "see the flags with `x group update --help`"},
		{[]string{"x", "--timeout", "abc", "group"}, `--timeout: "abc" is not a duration (e.g. 30s, 2m)`, "--timeout 30s"},
		{[]string{"x", "-timeout=abc"}, `--timeout: "abc" is not a duration`, ""},
		{[]string{"x", "--yes=maybe"}, `--yes: "maybe" is not true or false`, "give --yes alone, or --yes=false"},
		{[]string{"x", "group", "list", "--timeout"}, "--timeout needs a value: --timeout DURATION", "see `x group list --help`"},
		{[]string{"x", "-o", "json", "--output", "yaml"}, "-o and --output are the same flag: give it once", ""},
		{[]string{"x", "---o"}, `"---o" is not a flag: flags are -x or --name`, ""},
		{[]string{"x", "--=v"}, `"--=v" is not a flag`, ""},
		{[]string{"x", "group", "list", "--version"}, "--version is a flag of x alone, not of a command", "run `x --version` or `x version`"},
	} {
		_, err := Normalize(testApp(), tc.in)
		f, ok := errors.AsType[*failure.Error](err)
		if !ok || f.Kind != failure.Usage || !strings.Contains(f.Message, tc.message) || !strings.Contains(f.Hint, tc.hint) {
			t.Errorf("%q: %v (hint %q), want %q (hint %q)", tc.in, err, hintOf(err), tc.message, tc.hint)
		}
	}
	line, err := Normalize(testApp(), []string{"x", "-o", "json", "grop"})
	if err == nil || line.Output != "json" {
		t.Errorf("the output format typed before an error was lost: %q, %v", line.Output, err)
	}
}

func hintOf(err error) string {
	if f, ok := errors.AsType[*failure.Error](err); ok {
		return f.Hint
	}
	return ""
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	commands := []string{"auth", "integration", "group", "secret", "ref", "policy", "version", "completion", "help", "list", "ls", "get"}
	for word, want := range map[string]string{
		"grop": "group", "gruop": "group", "groups": "group", "secrets": "secret", "integ": "integration",
		"lsit": "list", "lst": "list", "verison": "version", "polcy": "policy",
		"nope": "", "x": "", "g": "", "zzzzzz": "", "": "",
	} {
		if got := Suggest(word, commands); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", word, got, want)
		}
	}
	flags := []string{"--output", "-o", "--yes", "-y", "--dry-run", "--timeout"}
	for word, want := range map[string]string{"--dryrun": "--dry-run", "--outptu": "--output", "--yse": "--yes", "-x": "", "--dry": "--dry-run"} {
		if got := Suggest(word, flags); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", word, got, want)
		}
	}
}

// FuzzNormalize: a command line is refused with a usage error, or
// reordered without losing, inventing or duplicating arguments (apart from
// `help` and --version, which Normalize rewrites on purpose).
func FuzzNormalize(f *testing.F) {
	f.Add("group update app --from-env K -o json")
	f.Add("-- -o")
	f.Add("policy build d -o x --host")
	f.Add("help group ls -o json")
	f.Fuzz(func(t *testing.T, text string) {
		in := append([]string{"x"}, splitFields(text)...)
		line, err := Normalize(testApp(), in)
		if err != nil {
			if f, ok := errors.AsType[*failure.Error](err); !ok || f.Kind != failure.Usage {
				t.Fatalf("%q: %v is not a usage error", in, err)
			}
			return
		}
		if slices.ContainsFunc(in, func(s string) bool { return s == "help" || s == "-v" || s == "--version" || s == "-version" }) {
			return
		}
		a := slices.DeleteFunc(slices.Clone(in), func(s string) bool { return s == "--" })
		b := slices.DeleteFunc(slices.Clone(line.Argv), func(s string) bool { return s == "--" })
		slices.Sort(a)
		slices.Sort(b)
		if !slices.Equal(a, b) {
			t.Fatalf("%q became %q", in, line.Argv)
		}
	})
}

func splitFields(s string) []string {
	var out []string
	cur := ""
	for _, r := range s {
		if r == ' ' {
			out = append(out, cur)
			cur = ""
			continue
		}
		cur += string(r)
	}
	return append(out, cur)
}
