package delete

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
		{[]string{"app:K"}, Options{Secret: "app:K"}, true},
		{[]string{"tfy-secret://demo:app:K"}, Options{Secret: "tfy-secret://demo:app:K"}, true},

		{[]string{"app:K", "--confirm-name", "app"}, Options{Secret: "app:K", ConfirmName: "app"}, true},
		{[]string{"tfy-secret://app:K"}, Options{}, false},
		{nil, Options{}, false},
		{[]string{"a:K", "b:K"}, Options{}, false},
	} {
		var got *Options
		err := hosttest.Parse(NewCmd(nil, func(_ context.Context, o *Options) error { got = o; return nil }), tc.args...)
		if tc.ok != (err == nil) || (tc.ok && *got != tc.want) {
			t.Errorf("%q: %+v, %v", tc.args, got, err)
		}
	}
}
