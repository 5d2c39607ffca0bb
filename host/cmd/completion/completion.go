// Package completion implements `completion bash|zsh|fish`: a script the
// shell sources to complete command words and flags. Bash and zsh ask the
// binary itself (urfave/cli's --generate-bash-completion), which never
// starts the plugin; fish gets a static script generated from the tree.
package completion

import (
	"context"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
)

// Shells are the supported shells.
var Shells = []string{"bash", "zsh", "fish"}

// Options are the parsed arguments.
type Options struct {
	Shell string
}

// NewCmd builds the command; runF replaces run in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "Print a shell completion script (bash, zsh or fish)",
		UsageText: "tfy-secrets completion bash|zsh|fish",
		Description: cmdutil.Examples(
			"source <(tfy-secrets completion bash)",
			"tfy-secrets completion zsh > \"${fpath[1]}/_tfy-secrets\"",
			"tfy-secrets completion fish > ~/.config/fish/completions/tfy-secrets.fish"),
		Action: func(c *cli.Context) error {
			args, err := cmdutil.Args(c, 1, 1, "bash|zsh|fish")
			if err != nil {
				return err
			}
			opts := &Options{Shell: args[0]}
			switch opts.Shell {
			case "bash", "zsh", "fish":
			default:
				return cmdutil.UsageError("unknown shell %q: use bash, zsh or fish", opts.Shell)
			}
			if runF != nil {
				return runF(c.Context, opts)
			}
			return run(c.App, f.IOStreams.Out, opts)
		},
	}
}

// bashScript asks the binary for candidates with the words typed so far.
const bashScript = `# bash completion for %[1]s
_%[2]s_complete() {
	local cur opts
	COMPREPLY=()
	cur="${COMP_WORDS[COMP_CWORD]}"
	opts=$("${COMP_WORDS[0]}" "${COMP_WORDS[@]:1:$COMP_CWORD-1}" --generate-bash-completion 2>/dev/null)
	COMPREPLY=($(compgen -W "${opts}" -- "${cur}"))
	return 0
}
complete -o bashdefault -o default -F _%[2]s_complete %[1]s
`

// zshScript does the same for zsh; urfave/cli prints "name:usage" pairs
// when $0 ends in zsh, which _describe shows as descriptions.
const zshScript = `#compdef %[1]s
_%[2]s() {
	local -a opts
	opts=("${(@f)$(env 0=zsh ${words[1]} ${words[@]:1:$((CURRENT-2))} --generate-bash-completion 2>/dev/null)}")
	_describe 'values' opts
}
compdef _%[2]s %[1]s
`

// binary is the command the scripts complete. Through the `tfy` shim the
// tree is named "tfy secrets", which a shell cannot register, so scripts are
// always for the tfy-secrets binary itself.
const binary = "tfy-secrets"

func run(app *cli.App, w io.Writer, opts *Options) error {
	name := binary
	fn := "tfy_secrets"
	var script string
	switch opts.Shell {
	case "bash":
		script = fmt.Sprintf(bashScript, name, fn)
	case "zsh":
		script = fmt.Sprintf(zshScript, name, fn)
	case "fish":
		named := *app
		named.Name = binary
		s, err := named.ToFishCompletion()
		if err != nil {
			return fmt.Errorf("completion: %w", err)
		}
		script = s
	}
	if _, err := io.WriteString(w, script); err != nil {
		return fmt.Errorf("completion: %w", err)
	}
	return nil
}
