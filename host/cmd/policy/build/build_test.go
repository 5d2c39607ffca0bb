package build

import (
	"context"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want Options
		ok   bool
	}{
		{[]string{"./org", "-o", "org.tar.gz"}, Options{Dir: "./org", Bundle: "org.tar.gz"}, true},
		{[]string{"--output=b.tar.gz", "./org"}, Options{Dir: "./org", Bundle: "b.tar.gz"}, true},
		{[]string{"./org"}, Options{}, false},
		{[]string{"-o", "b"}, Options{}, false},
	} {
		var got *Options
		err := hosttest.Parse(NewCmd(nil, func(_ context.Context, o *Options) error { got = o; return nil }), tc.args...)
		if tc.ok != (err == nil) || (tc.ok && *got != tc.want) {
			t.Errorf("%q: %+v, %v", tc.args, got, err)
		}
	}
}
