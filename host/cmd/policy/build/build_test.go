package build

import (
	"context"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
	"github.com/tfy-secrets/tfy-secrets/host/render"
)

type parseCase = hosttest.ParseCase[Options]

// TestParse pins how -o and --out share the work (issue 11, item 17):
// --out names the bundle; -o is the output format when it names one, and
// otherwise the bundle, as the documented `policy build DIR -o BUNDLE`.
func TestParse(t *testing.T) {
	deps := func(o *Options) bool {
		ok := o.RunHelper != nil
		o.RunHelper = nil
		return ok
	}
	hosttest.CheckParse(t, NewCmd, deps,
		parseCase{Args: []string{"./org", "--out", "org.tar.gz"}, Want: &Options{Dir: "./org", Bundle: "org.tar.gz", Output: render.Table}},
		parseCase{Args: []string{"./org", "-o", "org.tar.gz"}, Want: &Options{Dir: "./org", Bundle: "org.tar.gz", Output: render.Table}},
		parseCase{Args: []string{"--output=b.tar.gz", "./org"}, Want: &Options{Dir: "./org", Bundle: "b.tar.gz", Output: render.Table}},
		parseCase{Args: []string{"./org", "--out", "b", "-o", "json"}, Want: &Options{Dir: "./org", Bundle: "b", Output: render.JSON}},
		parseCase{Args: []string{"-o", "yaml", "./org", "--out=json"}, Want: &Options{Dir: "./org", Bundle: "json", Output: render.YAML}},
	)
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"./org", "-o", "json"}, "needs --out BUNDLE: -o json is the output format"},
		{[]string{"./org", "-o", "a.tar.gz", "--out", "b.tar.gz"}, "two bundle paths"},
		{[]string{"./org"}, "needs --out BUNDLE"},
		{[]string{"--out", "b"}, "missing argument"},
		{[]string{"", "--out", "b"}, "DIR is empty"},
	} {
		err := hosttest.Parse(NewCmd(hosttest.Factory("", nil), func(context.Context, *Options) error { return nil }), tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: %v, want an error with %q", tc.args, err, tc.err)
		}
	}
}

// The global -o, given before the command words, is the output format
// unless the command's own -o names another; errors come in the format
// either chose.
func TestGlobalOutput(t *testing.T) {
	for _, tc := range []struct {
		line []string
		want render.Format
		err  bool
	}{
		{[]string{"-o", "json", "build", "./org", "--out", "b"}, render.JSON, false},
		{[]string{"--output", "yaml", "build", "./org", "-o", "b"}, render.YAML, false},
		{[]string{"-o", "json", "build", "./org", "-o", "yaml", "--out", "b"}, render.YAML, false},
		{[]string{"-o", "json", "build", "./org"}, render.JSON, true},
		{[]string{"build", "./org", "-o", "yaml"}, render.YAML, true},
	} {
		var got *Options
		err := hosttest.ParseLine(NewCmd(hosttest.Factory("", nil), func(_ context.Context, o *Options) error { got = o; return nil }), tc.line...)
		format, formatted := cmdutil.ErrorFormat(err)
		switch {
		case tc.err && (err == nil || !formatted || format != tc.want):
			t.Errorf("%q: %v in %q, want an error in %s", tc.line, err, format, tc.want)
		case !tc.err && (err != nil || got.Output != tc.want):
			t.Errorf("%q: %+v, %v; want output %s", tc.line, got, err, tc.want)
		}
	}
}
