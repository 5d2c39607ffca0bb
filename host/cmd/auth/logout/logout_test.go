package logout

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
		parseCase{Args: []string{"--host", "https://h.example", "--yes"},
			Want: &Options{Globals: cmdutil.Globals{Output: render.Table, Host: "https://h.example", Yes: true}}},
		parseCase{Args: []string{"extra"}},
	)
}
