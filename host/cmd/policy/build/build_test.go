package build

import (
	"context"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
	"github.com/tfy-secrets/tfy-secrets/host/render"
)

// TestParse pins how -o and --out share the work (issue 11, item 17):
// --out names the bundle; -o is the output format when it names one, and
// otherwise the bundle, as the documented `policy build DIR -o BUNDLE`.
func TestParse(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want Options
		err  string
	}{
		{[]string{"./org", "--out", "org.tar.gz"}, Options{Dir: "./org", Bundle: "org.tar.gz", Output: render.Table}, ""},
		{[]string{"./org", "-o", "org.tar.gz"}, Options{Dir: "./org", Bundle: "org.tar.gz", Output: render.Table}, ""},
		{[]string{"--output=b.tar.gz", "./org"}, Options{Dir: "./org", Bundle: "b.tar.gz", Output: render.Table}, ""},
		{[]string{"./org", "--out", "b", "-o", "json"}, Options{Dir: "./org", Bundle: "b", Output: render.JSON}, ""},
		{[]string{"-o", "yaml", "./org", "--out=json"}, Options{Dir: "./org", Bundle: "json", Output: render.YAML}, ""},
		{[]string{"./org", "-o", "json"}, Options{}, "needs --out BUNDLE: -o json is the output format"},
		{[]string{"./org", "-o", "a.tar.gz", "--out", "b.tar.gz"}, Options{}, "two bundle paths"},
		{[]string{"./org"}, Options{}, "needs --out BUNDLE"},
		{[]string{"--out", "b"}, Options{}, "missing argument"},
		{[]string{"", "--out", "b"}, Options{}, "DIR is empty"},
	} {
		var got *Options
		err := hosttest.Parse(NewCmd(nil, func(_ context.Context, o *Options) error { got = o; return nil }), tc.args...)
		switch {
		case tc.err == "" && (err != nil || *got != tc.want):
			t.Errorf("%q: %+v, %v", tc.args, got, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q: %v, want an error with %q", tc.args, err, tc.err)
		}
	}
}
