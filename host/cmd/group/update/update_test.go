package update

import (
	"testing"
	"time"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
	"github.com/tfy-secrets/tfy-secrets/host/render"
	"github.com/tfy-secrets/tfy-secrets/host/sources"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

type parseCase = hosttest.ParseCase[Options]

func TestParse(t *testing.T) {
	table := cmdutil.Globals{Output: render.Table}
	deps := func(o *Options) bool {
		ok := o.LookupEnv != nil
		o.LookupEnv = nil
		return hosttest.Wired(&o.Session) && ok
	}
	hosttest.CheckParse(t, NewCmd, deps,
		parseCase{Args: []string{"app", "--from-env", "K=V", "--unset", "OLD", "--unset", "OLDER"}, Want: &Options{Globals: table, Group: "app", Unset: []string{"OLD", "OLDER"},
			Sources: []sources.Spec{{Key: "K", Source: plugin.SourceEnv, Name: "V"}}}},
		parseCase{Args: []string{"--replace", "demo:app", "--from-file", "K=-"}, Want: &Options{Globals: table, Group: "demo:app", Replace: true,
			Sources: []sources.Spec{{Key: "K", Source: plugin.SourceStdin, Name: "-"}}}},
		parseCase{Args: []string{"app", "--unset", "OLD"}, Want: &Options{Globals: table, Group: "app", Unset: []string{"OLD"}}},
		parseCase{Args: []string{"app", "--unset", "OLD", "--confirm-name", "app"}, Want: &Options{Globals: table, Group: "app", Unset: []string{"OLD"}, ConfirmName: "app"}},
		parseCase{Args: []string{"app", "--unset", "OLD", "--dry-run", "-o", "yaml"},
			Want: &Options{Globals: cmdutil.Globals{Output: render.YAML, DryRun: true}, Group: "app", Unset: []string{"OLD"}}},
		parseCase{Args: []string{"--yes", "app", "--timeout", "90s", "--unset", "OLD"},
			Want: &Options{Globals: cmdutil.Globals{Output: render.Table, Yes: true, Timeout: 90 * time.Second}, Group: "app", Unset: []string{"OLD"}}},
		parseCase{Args: []string{"app"}},
		parseCase{Args: []string{"app", "--replace", "--unset", "K"}},
		parseCase{Args: []string{"app", "--prompt", "K", "--unset", "K"}},
		parseCase{Args: []string{"app", "--unset", "K=V"}},
	)
}
