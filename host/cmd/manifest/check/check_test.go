package check

import (
	"context"
	"reflect"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
	"github.com/tfy-secrets/tfy-secrets/host/iostreams"
	"github.com/tfy-secrets/tfy-secrets/host/manifests"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want Options
		ok   bool
	}{
		{[]string{"truefoundry.yaml"}, Options{Paths: []string{"truefoundry.yaml"}, Format: manifests.FormatText}, true},
		{[]string{"a.yaml", "deploy/", "-", "--strict"}, Options{Paths: []string{"a.yaml", "deploy/", "-"}, Strict: true, Format: manifests.FormatText}, true},
		{[]string{"--format", "github", "."}, Options{Paths: []string{"."}, Format: manifests.FormatGitHub}, true},
		{[]string{".", "--format=sarif"}, Options{Paths: []string{"."}, Format: manifests.FormatSARIF}, true},

		{nil, Options{}, false},
		{[]string{".", "--format", "junit"}, Options{}, false},
		{[]string{".", "--format"}, Options{}, false},
	} {
		var got *Options
		ios, _, _ := iostreams.Test("")
		err := hosttest.Parse(NewCmd(cmdutil.NewFactory(ios, nil), func(_ context.Context, o *Options) error { got = o; return nil }), tc.args...)
		if tc.ok != (err == nil) || (tc.ok && !reflect.DeepEqual(*got, tc.want)) {
			t.Errorf("%q: %+v, %v", tc.args, got, err)
		}
	}
}
