package ref

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
		{[]string{"app", "DB"}, Options{Group: "app", Key: "DB"}, true},
		{[]string{"demo:app", "API-KEY"}, Options{Group: "demo:app", Key: "API-KEY"}, true},
		{[]string{"app"}, Options{}, false},
		{[]string{"app", "K=V"}, Options{}, false},
		{[]string{"", "K"}, Options{}, false},
	} {
		var got *Options
		err := hosttest.Parse(NewCmd(nil, func(_ context.Context, o *Options) error { got = o; return nil }), tc.args...)
		if tc.ok != (err == nil) || (tc.ok && *got != tc.want) {
			t.Errorf("%q: %+v, %v", tc.args, got, err)
		}
	}
}
