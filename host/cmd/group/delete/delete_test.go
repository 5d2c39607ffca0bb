package delete

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
		parseCase{Args: []string{"app"}, Want: &Options{Globals: table, Group: "app", Dir: "."}},
		parseCase{Args: []string{"app", "--confirm-name", "app"}, Want: &Options{Globals: table, Group: "app", ConfirmName: "app", Dir: "."}},
		parseCase{Args: []string{"--yes", "app", "--confirm-name=app", "-o", "json"},
			Want: &Options{Globals: cmdutil.Globals{Output: render.JSON, Yes: true}, Group: "app", ConfirmName: "app", Dir: "."}},
		parseCase{Args: []string{"app", "--dry-run"}, Want: &Options{Globals: cmdutil.Globals{Output: render.Table, DryRun: true}, Group: "app", Dir: "."}},
		parseCase{},
		parseCase{Args: []string{"app", "more"}},
		parseCase{Args: []string{"app", "--yes=maybe"}},
	)
}
