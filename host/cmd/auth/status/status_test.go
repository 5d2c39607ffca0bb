package status

import (
	"testing"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
	"github.com/tfy-secrets/tfy-secrets/host/render"
)

type parseCase = hosttest.ParseCase[Options]

func TestParse(t *testing.T) {
	hosttest.CheckParse(t, NewCmd, func(o *Options) bool { return hosttest.Wired(&o.Session) },
		parseCase{Want: &Options{Globals: cmdutil.Globals{Output: render.Table}}},
		parseCase{Args: []string{"-o", "json", "--host", "https://h.example"},
			Want: &Options{Globals: cmdutil.Globals{Output: render.JSON, Host: "https://h.example"}}},
		parseCase{Args: []string{"extra"}},
	)
}
