package login

import (
	"context"
	"strings"
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
		{[]string{"--with-token"}, Options{WithToken: true}, true},
		{[]string{"--from-env", "TFY_KEY"}, Options{FromEnv: "TFY_KEY"}, true},
		{[]string{"--from-env", "tfy-abc.def"}, Options{}, false},
		{[]string{"--from-env", ""}, Options{}, false},
		{[]string{"--with-token", "--from-env", "K"}, Options{}, false},
		{[]string{"the-key-itself"}, Options{}, false},
	} {
		var got *Options
		err := hosttest.Parse(NewCmd(nil, func(_ context.Context, o *Options) error { got = o; return nil }), tc.args...)
		if tc.ok != (err == nil) || (tc.ok && *got != tc.want) {
			t.Errorf("%q: %+v, %v", tc.args, got, err)
		}
		if err != nil && (strings.Contains(err.Error(), "tfy-abc.def") || strings.Contains(err.Error(), "the-key-itself")) {
			t.Errorf("%q: error repeats what may be the key: %v", tc.args, err)
		}
	}
}
