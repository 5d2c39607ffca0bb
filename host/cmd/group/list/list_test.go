package list

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
		parseCase{Want: &Options{Globals: table}},
		parseCase{Args: []string{"--search", "pay"}, Want: &Options{Globals: table, Search: "pay"}},
		parseCase{Args: []string{"--search=pay"}, Want: &Options{Globals: table, Search: "pay"}},
		parseCase{Args: []string{"-o", "json", "--search", "pay", "--yes", "--dry-run", "--timeout", "5s"},
			Want: &Options{Globals: cmdutil.Globals{Output: render.JSON, Yes: true, DryRun: true, Timeout: 5 * time.Second}, Search: "pay"}},
		parseCase{Args: []string{"--output=yaml", "--host", "https://h.example", "--policy", "org.tar.gz", "--debug"},
			Want: &Options{Globals: cmdutil.Globals{Output: render.YAML, Host: "https://h.example", Policy: "org.tar.gz", Debug: true}}},
		parseCase{Env: map[string]string{cmdutil.EnvPolicy: "env.tar.gz", cmdutil.EnvDebug: "yes", cmdutil.EnvCI: "1"},
			Want: &Options{Globals: cmdutil.Globals{Output: render.Table, Policy: "env.tar.gz", Debug: true, CI: true}}},
		parseCase{Args: []string{"extra"}},
		parseCase{Args: []string{"--search"}},
		parseCase{Args: []string{"-o", "xml"}},
		parseCase{Args: []string{"--timeout", "-5s"}},
	)
}
