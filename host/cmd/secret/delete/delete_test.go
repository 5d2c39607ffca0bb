package delete

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
		parseCase{Args: []string{"app:K"}, Want: &Options{Globals: table, Secret: "app:K", Dir: "."}},
		parseCase{Args: []string{"tfy-secret://demo:app:K"}, Want: &Options{Globals: table, Secret: "tfy-secret://demo:app:K", Dir: "."}},
		parseCase{Args: []string{"app:K", "--confirm-name", "app"}, Want: &Options{Globals: table, Secret: "app:K", ConfirmName: "app", Dir: "."}},
		parseCase{Args: []string{"-y", "--dry-run", "app:K", "--timeout", "10s", "-o", "yaml"},
			Want: &Options{Globals: cmdutil.Globals{Output: render.YAML, Yes: true, DryRun: true, Timeout: 10 * time.Second}, Secret: "app:K", Dir: "."}},
		parseCase{Args: []string{"tfy-secret://app:K"}},
		parseCase{},
		parseCase{Args: []string{"a:K", "b:K"}},
	)
}
