package version

import (
	"testing"

	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
	"github.com/tfy-secrets/tfy-secrets/host/render"
)

type parseCase = hosttest.ParseCase[Options]

func TestParse(t *testing.T) {
	deps := func(o *Options) bool {
		ok := o.IO != nil
		o.IO = nil
		return ok
	}
	hosttest.CheckParse(t, NewCmd, deps,
		parseCase{Want: &Options{Output: render.Table}},
		parseCase{Args: []string{"-o", "json"}, Want: &Options{Output: render.JSON}},
		parseCase{Args: []string{"--output=yaml", "--yes"}, Want: &Options{Output: render.YAML}},
		parseCase{Args: []string{"extra"}},
		parseCase{Args: []string{"-o", "xml"}},
	)
}
