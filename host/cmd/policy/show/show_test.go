package show

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
		parseCase{Args: []string{"--policy", "./org.tar.gz", "-o", "json"},
			Want: &Options{Globals: cmdutil.Globals{Output: render.JSON, Policy: "./org.tar.gz"}}},
		parseCase{Env: map[string]string{cmdutil.EnvPolicy: "env.tar.gz"},
			Want: &Options{Globals: cmdutil.Globals{Output: render.Table, Policy: "env.tar.gz"}}},
		parseCase{Args: []string{"extra"}},
	)
}
