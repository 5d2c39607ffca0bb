package cmdutil

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/render"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// readGlobals runs line (after the program name) through Normalize and a
// tree of one command, `build`, that defines its own -o/--output, and
// returns what ReadGlobals reads in the command.
func readGlobals(t *testing.T, env map[string]string, line string) (Globals, error) {
	t.Helper()
	var got Globals
	var readErr error
	app := &cli.App{
		Name:           "tfy-secrets",
		Flags:          GlobalFlags(),
		Writer:         io.Discard,
		ErrWriter:      io.Discard,
		ExitErrHandler: func(*cli.Context, error) {},
		Commands: []*cli.Command{{
			Name:  "build",
			Flags: []cli.Flag{&cli.StringFlag{Name: "output", Aliases: []string{"o"}}},
			Action: func(c *cli.Context) error {
				got, readErr = ReadGlobals(c, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
				return nil
			},
		}},
	}
	l, err := Normalize(app, append([]string{"tfy-secrets"}, strings.Fields(line)...))
	if err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	if err := app.Run(l.Argv); err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	return got, readErr
}

func TestReadGlobals(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		line string
		want Globals
		err  string
	}{
		{nil, "build", Globals{Output: render.Table}, ""},
		{nil, "-o json --host https://h.example -y --dry-run --policy org.tar.gz --debug --timeout 5s build",
			Globals{Host: "https://h.example", Output: render.JSON, Yes: true, DryRun: true, Policy: "org.tar.gz", Debug: true, Timeout: 5 * time.Second}, ""},
		// The command's own -o does not hide the global one.
		{nil, "--output=yaml build -o b.tar.gz --yes", Globals{Output: render.YAML, Yes: true}, ""},
		{nil, "build -o b.tar.gz", Globals{Output: render.Table}, ""},
		{map[string]string{EnvPolicy: "env.tar.gz", EnvDebug: "1", EnvCI: "true"}, "build",
			Globals{Output: render.Table, Policy: "env.tar.gz", Debug: true, CI: true}, ""},
		{map[string]string{EnvPolicy: "env.tar.gz", EnvDebug: "1"}, "--policy flag.tar.gz --debug=false build",
			Globals{Output: render.Table, Policy: "flag.tar.gz"}, ""},
		{nil, "-o xml build", Globals{}, "-o/--output: unknown output format"},
		{nil, "--timeout -1s build", Globals{}, "--timeout -1s: must not be negative"},
	} {
		got, err := readGlobals(t, tc.env, tc.line)
		switch {
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("%q: %+v, %v\nwant %+v", tc.line, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q: %v, want an error with %q", tc.line, err, tc.err)
		}
	}
}

func TestCall(t *testing.T) {
	t.Parallel()
	g := Globals{Host: "h", Policy: "p", Yes: true, DryRun: true, Debug: true, Timeout: time.Second, CI: true}
	want := plugin.Call{Host: "h", PolicyPath: "p", Client: plugin.ClientCLI, Interactive: true, Yes: true, DryRun: true, CI: true, Debug: true, Timeout: time.Second}
	if got := g.Call(true); got != want {
		t.Fatalf("call %+v", got)
	}
	for v, want := range map[string]bool{"1": true, "yes": true, "on": true, "TRUE": true, "0": false, "false": false, "": false} {
		if isTrue(v) != want {
			t.Errorf("isTrue(%q) = %v", v, !want)
		}
	}
}

func TestInFormat(t *testing.T) {
	t.Parallel()
	err := InFormat(render.JSON, UsageError("bad"))
	if f, ok := ErrorFormat(err); !ok || f != render.JSON || err.Error() != "bad" {
		t.Fatalf("%v: %q %v", err, f, ok)
	}
	if _, ok := ErrorFormat(UsageError("bad")); ok || InFormat(render.JSON, nil) != nil {
		t.Fatal("a format without InFormat")
	}
}
