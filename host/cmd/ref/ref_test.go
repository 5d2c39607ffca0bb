package ref

import (
	"testing"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
	"github.com/tfy-secrets/tfy-secrets/host/render"
)

type parseCase = hosttest.ParseCase[Options]

func TestParse(t *testing.T) {
	table := cmdutil.Globals{Output: render.Table}
	hosttest.CheckParse(t, NewCmd, func(o *Options) bool { return hosttest.Wired(&o.Session) },
		parseCase{Args: []string{"app", "DB"}, Want: &Options{Globals: table, Group: "app", Key: "DB"}},
		parseCase{Args: []string{"demo:app", "API-KEY"}, Want: &Options{Globals: table, Group: "demo:app", Key: "API-KEY"}},
		parseCase{Args: []string{"app", "-o", "json", "DB", "--host=https://h.example"},
			Want: &Options{Globals: cmdutil.Globals{Output: render.JSON, Host: "https://h.example"}, Group: "app", Key: "DB"}},
		parseCase{Args: []string{"app"}},
		parseCase{Args: []string{"app", "K=V"}},
		parseCase{Args: []string{"", "K"}},
	)
}
