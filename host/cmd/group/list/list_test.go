package list

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
		{nil, Options{}, true},
		{[]string{"--search", "pay"}, Options{Search: "pay"}, true},
		{[]string{"--search=pay"}, Options{Search: "pay"}, true},
		{[]string{"extra"}, Options{}, false},
		{[]string{"--search"}, Options{}, false},
	} {
		var got *Options
		err := hosttest.Parse(NewCmd(nil, func(_ context.Context, o *Options) error { got = o; return nil }), tc.args...)
		if tc.ok != (err == nil) || (tc.ok && *got != tc.want) {
			t.Errorf("%q: %+v, %v", tc.args, got, err)
		}
	}
}
