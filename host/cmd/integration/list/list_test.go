package list

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
		parseCase{Want: &Options{Globals: table}},
		parseCase{Args: []string{"--provider", "azure"}, Want: &Options{Globals: table, Provider: "azure"}},
		parseCase{Args: []string{"-o", "json", "--provider=aws", "--policy", "org.tar.gz"},
			Want: &Options{Globals: cmdutil.Globals{Output: render.JSON, Policy: "org.tar.gz"}, Provider: "aws"}},
		parseCase{Args: []string{"--provider", "Azure"}},
		parseCase{Args: []string{"aws"}},
	)
}
