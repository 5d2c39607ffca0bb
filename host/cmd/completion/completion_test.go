package completion

import (
	"testing"

	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
)

type parseCase = hosttest.ParseCase[Options]

func TestParse(t *testing.T) {
	deps := func(o *Options) bool {
		ok := o.IO != nil
		o.IO = nil
		return ok
	}
	hosttest.CheckParse(t, NewCmd, deps,
		parseCase{Args: []string{"bash"}, Want: &Options{Shell: "bash"}},
		parseCase{Args: []string{"zsh"}, Want: &Options{Shell: "zsh"}},
		parseCase{Args: []string{"fish"}, Want: &Options{Shell: "fish"}},
		parseCase{Args: []string{"powershell"}},
		parseCase{},
	)
}
