package update

import (
	"context"
	"reflect"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
	"github.com/tfy-secrets/tfy-secrets/host/sources"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want *Options
	}{
		{[]string{"app", "--from-env", "K=V", "--unset", "OLD", "--unset", "OLDER"}, &Options{Group: "app", Unset: []string{"OLD", "OLDER"},
			Sources: []sources.Spec{{Key: "K", Source: plugin.SourceEnv, Name: "V"}}}},
		{[]string{"--replace", "demo:app", "--from-file", "K=-"}, &Options{Group: "demo:app", Replace: true,
			Sources: []sources.Spec{{Key: "K", Source: plugin.SourceStdin, Name: "-"}}}},
		{[]string{"app", "--unset", "OLD"}, &Options{Group: "app", Unset: []string{"OLD"}}},
		{[]string{"app", "--unset", "OLD", "--confirm-name", "app"}, &Options{Group: "app", Unset: []string{"OLD"}, ConfirmName: "app"}},
		{[]string{"app"}, nil},
		{[]string{"app", "--replace", "--unset", "K"}, nil},
		{[]string{"app", "--prompt", "K", "--unset", "K"}, nil},
		{[]string{"app", "--unset", "K=V"}, nil},
	} {
		var got *Options
		err := hosttest.Parse(NewCmd(nil, func(_ context.Context, o *Options) error { got = o; return nil }), tc.args...)
		if (tc.want == nil) != (err != nil) || (tc.want != nil && !reflect.DeepEqual(got, tc.want)) {
			t.Errorf("%q: %+v, %v", tc.args, got, err)
		}
	}
}
