package test

import (
	"testing"

	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
	"github.com/tfy-secrets/tfy-secrets/host/render"
)

type parseCase = hosttest.ParseCase[Options]

func TestParse(t *testing.T) {
	deps := func(o *Options) bool {
		ok := o.RunHelper != nil
		o.RunHelper = nil
		return ok
	}
	hosttest.CheckParse(t, NewCmd, deps,
		parseCase{Args: []string{"./org"}, Want: &Options{Dir: "./org", Output: render.Table}},
		parseCase{Args: []string{"./org", "-o", "json"}, Want: &Options{Dir: "./org", Output: render.JSON}},
		parseCase{Args: []string{"--output=yaml", "./org"}, Want: &Options{Dir: "./org", Output: render.YAML}},
		parseCase{},
		parseCase{Args: []string{""}},
		parseCase{Args: []string{"a", "b"}},
	)
}
