package get

import (
	"testing"
	"time"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
	"github.com/tfy-secrets/tfy-secrets/host/render"
)

type parseCase = hosttest.ParseCase[Options]

func TestParse(t *testing.T) {
	table := cmdutil.Globals{Output: render.Table}
	hosttest.CheckParse(t, NewCmd, func(o *Options) bool { return hosttest.Wired(&o.Session) },
		parseCase{Args: []string{"app"}, Want: &Options{Globals: table, Group: "app"}},
		parseCase{Args: []string{"--show-prefix", "demo:app"}, Want: &Options{Globals: table, Group: "demo:app", ShowPrefix: true}},
		parseCase{Args: []string{"app", "--show-prefix"}, Want: &Options{Globals: table, Group: "app", ShowPrefix: true}},
		parseCase{Args: []string{"-o", "yaml", "app", "--timeout=1m", "--host", "https://h.example"},
			Want: &Options{Globals: cmdutil.Globals{Output: render.YAML, Timeout: time.Minute, Host: "https://h.example"}, Group: "app"}},
		parseCase{Args: []string{"app", "--output", "json", "--yes", "--dry-run"},
			Want: &Options{Globals: cmdutil.Globals{Output: render.JSON, Yes: true, DryRun: true}, Group: "app"}},
		parseCase{},
		parseCase{Args: []string{"a", "b"}},
		parseCase{Args: []string{"a:b:c"}},
		parseCase{Args: []string{"app", "-o", "text"}},
	)
}
