package create

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
		{[]string{"app", "--from-env", "K", "--provider", "gcp"}, &Options{Name: "app", Provider: "gcp",
			Sources: []sources.Spec{{Key: "K", Source: plugin.SourceEnv, Name: "K"}}}},
		{[]string{"--integration", "demo:aws:sm", "app", "A=x", "--from-file", "F=a,b.pem", "--from-dotenv", ".env", "--prompt", "P"},
			&Options{Name: "app", Integration: "demo:aws:sm", Sources: []sources.Spec{
				{Key: "F", Source: plugin.SourceFile, Name: "a,b.pem"},
				{Source: plugin.SourceDotenv, Name: ".env"},
				{Key: "P", Source: plugin.SourcePrompt},
				{Key: "A", Source: plugin.SourceLiteral},
			}}},
		{[]string{"app", "--from-env", "K", "--confirm-name", "app"}, &Options{Name: "app", ConfirmName: "app",
			Sources: []sources.Spec{{Key: "K", Source: plugin.SourceEnv, Name: "K"}}}},
		{[]string{"app"}, nil},
		{[]string{"demo:app", "--from-env", "K"}, nil},
		{[]string{"app", "--provider", "ibm", "--from-env", "K"}, nil},
		{[]string{"app", "--from-file", "K"}, nil},
		{nil, nil},
	} {
		var got *Options
		err := hosttest.Parse(NewCmd(nil, func(_ context.Context, o *Options) error { got = o; return nil }), tc.args...)
		if (tc.want == nil) != (err != nil) || (tc.want != nil && !reflect.DeepEqual(got, tc.want)) {
			t.Errorf("%q: %+v, %v", tc.args, got, err)
		}
	}
}
