package check

import (
	"testing"
	"time"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
	"github.com/tfy-secrets/tfy-secrets/host/manifests"
	"github.com/tfy-secrets/tfy-secrets/host/render"
)

type parseCase = hosttest.ParseCase[Options]

func TestParse(t *testing.T) {
	table := cmdutil.Globals{Output: render.Table}
	wired := func(o *Options) bool {
		ok := hosttest.Wired(&o.Session)
		o.Version = ""
		return ok
	}
	hosttest.CheckParse(t, NewCmd, wired,
		parseCase{Args: []string{"truefoundry.yaml"}, Want: &Options{Globals: table, Paths: []string{"truefoundry.yaml"}, Format: manifests.FormatText}},
		parseCase{Args: []string{"a.yaml", "deploy/", "-", "--strict"}, Want: &Options{Globals: table, Paths: []string{"a.yaml", "deploy/", "-"}, Strict: true, Format: manifests.FormatText}},
		parseCase{Args: []string{"--format", "github", "."}, Want: &Options{Globals: table, Paths: []string{"."}, Format: manifests.FormatGitHub}},
		parseCase{Args: []string{".", "--format=sarif"}, Want: &Options{Globals: table, Paths: []string{"."}, Format: manifests.FormatSARIF}},
		parseCase{Args: []string{".", "-o", "json", "--timeout", "30s"},
			Want: &Options{Globals: cmdutil.Globals{Output: render.JSON, Timeout: 30 * time.Second}, Paths: []string{"."}, Format: manifests.FormatText}},
		parseCase{},
		parseCase{Args: []string{".", "--format", "junit"}},
		parseCase{Args: []string{".", "--format"}},
		parseCase{Args: []string{".", "--format", "sarif", "-o", "json"}},
	)
}
