package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
)

// zshDriver types a command line and a Tab into an interactive zsh on a
// zsh/zpty pseudo-terminal, with the completion system loaded and the
// script autoloaded from $fpath as the docs install it. compadd is wrapped
// to record the matches zsh's own completion functions add; the widget on
// ^X writes the edited line to OUT and prints a marker the driver waits
// for (zpty -r with a pattern blocks until it arrives).
const zshDriver = `zmodload zsh/zpty
script=$1 out=$2 line=$3
zpty z zsh -f -i
zpty -w z "PS1=''; unsetopt zle_bracketed_paste"
zpty -w z "fpath=(${script:h} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z "compadd() { local -a m; builtin compadd -O m \"\$@\"; print -rl -- \$m >> ${(q)out}.matches; builtin compadd \"\$@\"; }"
zpty -w z "dump() { print -r -- \"\$BUFFER\" > ${(q)out}; print -n 'ZPTY''-DONE'; }; zle -N dump; bindkey '^X' dump"
zpty -w -n z "$line"$'\t\x18'
zpty -r z reply '*ZPTY-DONE*'
zpty -d z
`

// shellComplete sources the script `tfy-secrets completion SHELL` prints in
// that real shell and returns what the shell would offer for line, the
// cursor at its end. bash: the function the script registers, called as
// bash calls it; zsh: a Tab typed into an interactive zsh; fish: fish's
// own `complete -C`.
func (u *user) shellComplete(shell, line string) []string {
	u.t.Helper()
	dir := u.t.TempDir()
	script := filepath.Join(dir, "script")
	if shell == "zsh" {
		script = filepath.Join(dir, "_tfy-secrets")
	}
	if err := os.WriteFile(script, []byte(u.must("", "completion", shell).stdout), 0o644); err != nil {
		u.t.Fatal(err)
	}
	var cmd *exec.Cmd
	out := filepath.Join(dir, "out")
	switch shell {
	case "bash":
		cmd = exec.Command("bash", "--norc", "--noprofile", "-c",
			`source "$1"; COMP_LINE=$2; COMP_POINT=${#COMP_LINE}; _tfy_secrets_complete; printf '%s\n' "${COMPREPLY[@]}"`, "bash", script, line)
	case "zsh":
		driver := filepath.Join(dir, "driver.zsh")
		if err := os.WriteFile(driver, []byte(zshDriver), 0o644); err != nil {
			u.t.Fatal(err)
		}
		cmd = exec.Command("zsh", "-f", driver, script, out, line)
	case "fish":
		cmd = exec.Command("fish", "--no-config", "-c", `source $argv[1]; complete -C $argv[2]`, script, line)
	}
	cmd.Env, cmd.Dir = u.environ(), u.home
	stdout, err := cmd.Output()
	if err != nil {
		u.t.Fatalf("%s completing %q: %v", shell, line, err)
	}
	if shell == "zsh" {
		matches, _ := os.ReadFile(out + ".matches")
		stdout = matches
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(string(stdout)), "\n") {
		v, _, _ := strings.Cut(l, "\t")
		if v != "" && !slices.Contains(got, v) {
			got = append(got, v)
		}
	}
	slices.Sort(got)
	return got
}

// TestCompletionInShells: every shell's script, sourced in the real shell,
// completes commands, flags and their values, and group names and keys
// from the emulator through the plugin; no value ever comes out.
func TestCompletionInShells(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	canaryA, canaryB, canaryEnv := testkit.Canary("completion-a-"), testkit.Canary("completion-b-"), testkit.Canary("completion-env-")
	u.env["VAL_A"], u.env["VAL_B"], u.env["COMP_CANARY"] = canaryA, canaryB, canaryEnv
	u.must("", "group", "create", "comp-alpha", "--provider", "gcp", "--from-env", "API_KEY=VAL_A", "--from-env", "DB_PASSWORD=VAL_B", "--yes")
	u.must("", "group", "create", "comp-beta", "--provider", "gcp", "--from-env", "TOKEN=VAL_A", "--yes")

	for _, shell := range []string{"bash", "zsh", "fish"} {
		t.Run(shell, func(t *testing.T) {
			t.Parallel()
			u := *u
			u.t = t
			// bash completes the part of a word after its last ':' or '='.
			after := func(full, bashPart string) string {
				if shell == "bash" {
					return bashPart
				}
				return full
			}
			for _, tc := range []struct {
				line string
				want []string
			}{
				{"tfy-secrets gr", []string{"group"}},
				{"tfy-secrets group de", []string{"delete"}},
				{"tfy-secrets help gro", []string{"group"}},
				{"tfy-secrets group get --sh", []string{"--show-prefix"}},
				{"tfy-secrets -o j", []string{"json"}},
				{"tfy-secrets group list --output=y", []string{after("--output=yaml", "yaml")}},
				{"tfy-secrets completion f", []string{"fish"}},
				{"tfy-secrets group get comp-", []string{"comp-alpha", "comp-beta"}},
				{"tfy-secrets delete comp-b", []string{"comp-beta"}},
				{"tfy-secrets ref comp-alpha ", []string{"API_KEY", "DB_PASSWORD"}},
				{"tfy-secrets group update comp-alpha --unset D", []string{"DB_PASSWORD"}},
				{"tfy-secrets secret get comp-alpha:", []string{after("comp-alpha:API_KEY", "API_KEY"), after("comp-alpha:DB_PASSWORD", "DB_PASSWORD")}},
				{"tfy-secrets group create x --from-env COMP_C", []string{"COMP_CANARY"}},
			} {
				got := u.shellComplete(shell, tc.line)
				if !slices.Equal(got, tc.want) {
					t.Errorf("%s: %q offers %q, want %q", shell, tc.line, got, tc.want)
				}
				for _, v := range []string{canaryA, canaryB, canaryEnv} {
					if slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, v) }) {
						t.Fatalf("%s: %q offered a value", shell, tc.line)
					}
				}
			}
		})
	}
}

// TestCompletionFailsSilently: without working credentials, completing a
// group name offers nothing and says nothing; the shell's line is left
// alone.
func TestCompletionFailsSilently(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	u.env["TFY_API_KEY"] = testkit.Canary("wrong-key-")
	for _, args := range [][]string{{"__complete", "group", "get", ""}, {"__complete", "ref", "app", ""}, {"group", "get", "--generate-bash-completion"}} {
		r := u.run("", args...)
		if r.code != 0 || r.stderr != "" || (r.stdout != ":none\n" && r.stdout != "") {
			t.Errorf("want no candidates and silence\n%v", r)
		}
	}
	if got := u.shellComplete("bash", "tfy-secrets group get "); len(got) != 0 {
		t.Errorf("bash offers %q", got)
	}
}
