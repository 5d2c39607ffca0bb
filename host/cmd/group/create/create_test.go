package create

import (
	"testing"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
	"github.com/tfy-secrets/tfy-secrets/host/render"
	"github.com/tfy-secrets/tfy-secrets/host/sources"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

type parseCase = hosttest.ParseCase[Options]

func TestParse(t *testing.T) {
	table := cmdutil.Globals{Output: render.Table}
	envK := []sources.Spec{{Key: "K", Source: plugin.SourceEnv, Name: "K"}}
	deps := func(o *Options) bool {
		ok := o.LookupEnv != nil
		o.LookupEnv = nil
		return hosttest.Wired(&o.Session) && ok
	}
	hosttest.CheckParse(t, NewCmd, deps,
		parseCase{Args: []string{"app", "--from-env", "K", "--provider", "gcp"}, Want: &Options{Globals: table, Name: "app", Provider: "gcp", Sources: envK}},
		parseCase{Args: []string{"--integration", "demo:aws:sm", "app", "A=x", "--from-file", "F=a,b.pem", "--from-dotenv", ".env", "--prompt", "P"},
			Want: &Options{Globals: table, Name: "app", Integration: "demo:aws:sm", Sources: []sources.Spec{
				{Key: "F", Source: plugin.SourceFile, Name: "a,b.pem"},
				{Source: plugin.SourceDotenv, Name: ".env"},
				{Key: "P", Source: plugin.SourcePrompt},
				{Key: "A", Source: plugin.SourceLiteral},
			}}},
		parseCase{Args: []string{"app", "--from-env", "K", "--confirm-name", "app", "--strict"},
			Want: &Options{Globals: table, Name: "app", ConfirmName: "app", Strict: true, Sources: envK}},
		parseCase{Args: []string{"--dry-run", "-o", "json", "app", "--from-env", "K"},
			Want: &Options{Globals: cmdutil.Globals{Output: render.JSON, DryRun: true}, Name: "app", Sources: envK}},
		parseCase{Args: []string{"app", "--from-env", "K", "-y", "--timeout", "0s", "--policy=org.tar.gz"},
			Want: &Options{Globals: cmdutil.Globals{Output: render.Table, Yes: true, Policy: "org.tar.gz"}, Name: "app", Sources: envK}},
		parseCase{Args: []string{"app"}},
		parseCase{Args: []string{"demo:app", "--from-env", "K"}},
		parseCase{Args: []string{"app", "--provider", "ibm", "--from-env", "K"}},
		parseCase{Args: []string{"app", "--from-file", "K"}},
		parseCase{},
	)
}
