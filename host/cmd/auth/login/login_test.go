package login

import (
	"context"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
	"github.com/tfy-secrets/tfy-secrets/host/render"
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
		parseCase{Want: &Options{Globals: table}},
		parseCase{Args: []string{"--with-token"}, Want: &Options{Globals: table, WithToken: true}},
		parseCase{Args: []string{"--from-env", "TFY_KEY"}, Want: &Options{Globals: table, FromEnv: "TFY_KEY"}},
		parseCase{Args: []string{"--host", "https://h.example", "--with-token", "-o", "json", "--timeout", "0s"},
			Want: &Options{Globals: cmdutil.Globals{Output: render.JSON, Host: "https://h.example"}, WithToken: true}},
		parseCase{Args: []string{"--from-env", "tfy-abc.def"}},
		parseCase{Args: []string{"--from-env", ""}},
		parseCase{Args: []string{"--with-token", "--from-env", "K"}},
		parseCase{Args: []string{"the-key-itself"}},
	)
}

// A usage error never repeats what may be the key itself.
func TestParseErrorsHideTheKey(t *testing.T) {
	for _, args := range [][]string{{"--from-env", "tfy-abc.def"}, {"the-key-itself"}} {
		err := hosttest.Parse(NewCmd(hosttest.Factory("", nil), func(context.Context, *Options) error { return nil }), args...)
		if err == nil || strings.Contains(err.Error(), "tfy-abc.def") || strings.Contains(err.Error(), "the-key-itself") {
			t.Errorf("%q: %v", args, err)
		}
	}
}
