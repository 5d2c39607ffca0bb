package get

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
		{[]string{"app"}, Options{Group: "app"}, true},
		{[]string{"--show-prefix", "demo:app"}, Options{Group: "demo:app", ShowPrefix: true}, true},
		{[]string{"app", "--show-prefix"}, Options{Group: "app", ShowPrefix: true}, true},
		{nil, Options{}, false},
		{[]string{"a", "b"}, Options{}, false},
		{[]string{"a:b:c"}, Options{}, false},
	} {
		var got *Options
		err := hosttest.Parse(NewCmd(nil, func(_ context.Context, o *Options) error { got = o; return nil }), tc.args...)
		if tc.ok != (err == nil) || (tc.ok && *got != tc.want) {
			t.Errorf("%q: %+v, %v", tc.args, got, err)
		}
	}
}
