package cmdutil

import (
	"slices"
	"testing"

	"github.com/urfave/cli/v2"
)

func testApp() *cli.App {
	return &cli.App{
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}},
			&cli.StringFlag{Name: "host"},
			&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}},
		},
		Commands: []*cli.Command{
			{Name: "group", Subcommands: []*cli.Command{
				{Name: "update", Flags: []cli.Flag{&cli.StringSliceFlag{Name: "from-env"}, &cli.BoolFlag{Name: "replace"}}},
				{Name: "list", Aliases: []string{"ls"}},
			}},
			{Name: "policy", Subcommands: []*cli.Command{
				{Name: "build", Flags: []cli.Flag{&cli.StringFlag{Name: "output", Aliases: []string{"o"}}}},
			}},
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
		{[]string{"x", "policy", "build", "dir", "-o", "b.tar.gz", "--output=json"},
			[]string{"x", "policy", "build", "-o", "b.tar.gz", "--output=json", "--", "dir"}, ""},
		{[]string{"x", "--output", "json", "policy", "build", "dir", "-o", "b"},
			[]string{"x", "--output", "json", "policy", "build", "-o", "b", "--", "dir"}, "json"},
		// Positionals after -- stay positional, even when they look like flags.
		{[]string{"x", "group", "update", "app", "--", "-y", "group"},
			[]string{"x", "group", "update", "--", "app", "-y", "group"}, ""},
		// Unknown flags stay with the command for urfave/cli to report.
		{[]string{"x", "group", "list", "--bogus"},
			[]string{"x", "group", "list", "--bogus"}, ""},
		{[]string{"x", "group", "--generate-bash-completion"},
			[]string{"x", "group", "--generate-bash-completion"}, ""},
		{[]string{"x", "-h"}, []string{"x", "-h"}, ""},
		{[]string{"x", "-o"}, []string{"x", "-o"}, ""},
		{[]string{"x"}, []string{"x"}, ""},
		{nil, nil, ""},
	} {
		got, output := Normalize(testApp(), tc.in)
		if !slices.Equal(got, tc.want) || output != tc.output {
			t.Errorf("%q:\n got %q (%q)\nwant %q (%q)", tc.in, got, output, tc.want, tc.output)
		}
	}
}

// FuzzNormalize: reordering never loses, invents or duplicates arguments.
func FuzzNormalize(f *testing.F) {
	f.Add("group update app --from-env K -o json")
	f.Add("-- -o")
	f.Add("policy build d -o x --host")
	f.Fuzz(func(t *testing.T, line string) {
		in := append([]string{"x"}, splitFields(line)...)
		got, _ := Normalize(testApp(), in)
		a := slices.Clone(in)
		b := slices.DeleteFunc(slices.Clone(got), func(s string) bool { return s == "--" })
		a = slices.DeleteFunc(a, func(s string) bool { return s == "--" })
		slices.Sort(a)
		slices.Sort(b)
		if !slices.Equal(a, b) {
			t.Fatalf("%q became %q", in, got)
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
