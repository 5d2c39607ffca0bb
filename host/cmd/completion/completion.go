// Package completion implements `completion bash|zsh|fish`, the scripts a
// shell sources, and the answers the scripts ask the binary for (Serve):
// commands, flags and their values, and, through the plugin like any
// command, group names, keys and integrations.
//
// An answer never holds a value: group names, keys and variable names
// only. Asking must never disturb the shell: nothing goes to stderr, and
// a failure of any kind only means fewer candidates.
package completion

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/iostreams"
)

// Shells are the supported shells.
var Shells = []string{"bash", "zsh", "fish"}

// Options are the parsed argument, and the streams run writes to.
type Options struct {
	IO    *iostreams.IOStreams
	Shell string
}

// NewCmd builds the command; runF replaces run in tests.
func NewCmd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "Print a shell completion script (bash, zsh or fish)",
		ArgsUsage: "bash|zsh|fish",
		Description: cmdutil.Examples(
			"source <(tfy-secrets completion bash)",
			"tfy-secrets completion zsh > \"${fpath[1]}/_tfy-secrets\"",
			"tfy-secrets completion fish > ~/.config/fish/completions/tfy-secrets.fish"),
		Action: func(c *cli.Context) error {
			args, err := cmdutil.Args(c, 1, 1)
			if err != nil {
				return err
			}
			opts := &Options{IO: f.IOStreams, Shell: args[0]}
			switch opts.Shell {
			case "bash", "zsh", "fish":
			default:
				return cmdutil.UsageError("unknown shell %q: use bash, zsh or fish", opts.Shell)
			}
			if runF != nil {
				return runF(c.Context, opts)
			}
			return run(opts)
		},
	}
}

// bashScript asks the binary for candidates. It reads the words from
// COMP_LINE rather than COMP_WORDS, which bash splits at ':' and '=' (so
// "app:KEY" and "--output=json" would arrive in pieces), and strips from
// each candidate the part of the word before bash's own word start.
const bashScript = `# bash completion for %[1]s
_%[2]s_complete() {
	local line=${COMP_LINE:0:COMP_POINT} cur pre="" out directive c
	local -a words lines
	read -ra words <<<"$line"
	if [[ -z $line || $line == *[[:space:]] ]]; then
		words+=("")
	fi
	cur=${words[${#words[@]}-1]}
	out=$("${words[0]}" __complete "${words[@]:1}" 2>/dev/null) || return 0
	mapfile -t lines <<<"$out"
	directive=${lines[${#lines[@]}-1]}
	unset 'lines[${#lines[@]}-1]'
	COMPREPLY=()
	if [[ $directive == :files ]]; then
		compopt -o default 2>/dev/null
		return 0
	fi
	compopt +o default 2>/dev/null
	if [[ $directive == :nospace ]]; then
		compopt -o nospace 2>/dev/null
	fi
	if [[ $COMP_WORDBREAKS == *:* && $cur == *:* ]]; then
		pre=${cur%%"${cur##*:}"}
	fi
	if [[ $COMP_WORDBREAKS == *=* && $cur == *=* ]]; then
		c=${cur%%"${cur##*=}"}
		if (( ${#c} > ${#pre} )); then pre=$c; fi
	fi
	for c in "${lines[@]}"; do
		c=${c%%$'\t'*}
		COMPREPLY+=("${c#"$pre"}")
	done
	return 0
}
complete -o default -F _%[2]s_complete %[1]s
`

// zshScript does the same for zsh, whose words are not split at ':' or
// '='; descriptions are shown beside the candidates. It works sourced and
// as an autoloaded _tfy-secrets file in $fpath, whose first run defines
// the function of the same name and calls it.
const zshScript = `#compdef %[1]s
_%[1]s() {
	local out directive line value desc
	local -a lines cands
	out=$("${words[1]}" __complete "${(@)words[2,CURRENT]}" 2>/dev/null) || return 1
	lines=("${(@f)out}")
	directive=${lines[-1]}
	lines=("${(@)lines[1,-2]}")
	if [[ $directive == :files ]]; then
		_files
		return
	fi
	for line in "${lines[@]}"; do
		value=${line%%$'\t'*}
		desc=""
		[[ $line == *$'\t'* ]] && desc=${line#*$'\t'}
		cands+=("${value//:/\\:}${desc:+:$desc}")
	done
	if [[ $directive == :nospace ]]; then
		_describe -t values '%[1]s' cands -S ''
	else
		_describe -t values '%[1]s' cands
	fi
}
if [[ ${funcstack[1]} == _%[1]s ]]; then
	_%[1]s "$@"
else
	compdef _%[1]s %[1]s
fi
`

// fishScript does the same for fish, which takes "value<TAB>description"
// lines as they are.
const fishScript = `# fish completion for %[1]s
function __%[2]s_complete
	set -l tokens (commandline -opc)
	set -l cur (commandline -ct)
	set -l out ($tokens[1] __complete $tokens[2..-1] $cur 2>/dev/null)
	or return
	set -l directive $out[-1]
	set -e out[-1]
	if test "$directive" = :files
		__fish_complete_path $cur
		return
	end
	printf '%%s\n' $out
end
complete -c %[1]s -f -a '(__%[2]s_complete)'
`

// binary is the command the scripts complete. Through the tfy shim the
// tree is named "tfy secrets", which a shell cannot register, so scripts are
// always for the tfy-secrets binary itself.
const binary = "tfy-secrets"

func run(opts *Options) error {
	format := map[string]string{"bash": bashScript, "zsh": zshScript, "fish": fishScript}[opts.Shell]
	if _, err := fmt.Fprintf(opts.IO.Out, format, binary, "tfy_secrets"); err != nil {
		return fmt.Errorf("completion: %w", err)
	}
	return nil
}
