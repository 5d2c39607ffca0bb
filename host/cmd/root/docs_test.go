package root

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/tfy-secrets/tfy-secrets/host/cmdutil"
	"github.com/tfy-secrets/tfy-secrets/host/iostreams"
)

// docCommand is one tfy-secrets command line found in the docs.
type docCommand struct {
	where   string // file:line
	words   []string
	err     string // the "error: ..." line the docs show right after it, if any
	inline  bool   // from a `code span` rather than a code block
	refused bool   // the line says the command is refused on purpose
}

var (
	// invocation finds where a line of a code block runs the program: at
	// its start (after a $ prompt), after a backquote (a hint quoting a
	// command), a paren (`source <(tfy-secrets ...)`) or a shell operator.
	// Program output that merely mentions the name is left alone.
	invocation = regexp.MustCompile("(?:^\\s*(?:\\$\\s+)?|[(`]|[|;&]\\s*)(tfy-secrets|tfy secrets) ")
	// inlineSpan is a `code span` in prose or a table.
	inlineSpan = regexp.MustCompile("`((?:tfy-secrets|tfy secrets) [^`]*)`")
	// plannedMark tolerates the commands of a line that the docs describe
	// as planned, not yet in the tree: a `# planned` comment in a code
	// block, "(planned)" in prose.
	plannedMark = regexp.MustCompile(`#\s*planned(:|\s*$)|\(planned\)`)
	// refusedMark says that a line's command is wrong on purpose (a row of
	// docs/reliability.md trying a bad flag): it must be refused.
	refusedMark = regexp.MustCompile(`\(refused on purpose\)`)
	// placeholder is a word of a synopsis that stands for a value: GROUP,
	// SOURCES..., <host>.
	placeholder = regexp.MustCompile(`^(<[^>]*>|[A-Z][A-Z0-9_|=.-]*)$`)
)

// words cuts a command line at the first shell operator, quote or comment
// and splits what is left. A '<' starts a redirection only before a space
// or a paren; otherwise it opens a <placeholder>.
func words(rest string) []string {
	for i, c := range rest {
		if strings.ContainsRune("`\"')|;&>#\\", c) || c == '<' && (i+1 == len(rest) || rest[i+1] == ' ' || rest[i+1] == '(') {
			rest = rest[:i]
			break
		}
	}
	return strings.Fields(rest)
}

// docCommands reads every tfy-secrets command line of README.md and
// docs/*.md: each line of a fenced code block that runs the program, and
// each `code span` that starts with it.
func docCommands(t *testing.T) (found []docCommand, planned []string) {
	t.Helper()
	files, err := filepath.Glob("../../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "../../../README.md")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(file, "../../../")
		var lines []string
		sc := bufio.NewScanner(strings.NewReader(string(data)))
		for sc.Scan() {
			lines = append(lines, sc.Text())
		}
		fenced := false
		for i, line := range lines {
			where := name + ":" + strconv.Itoa(i+1)
			if strings.HasPrefix(strings.TrimSpace(line), "```") {
				fenced = !fenced
				continue
			}
			if plannedMark.MatchString(line) {
				planned = append(planned, where+": "+strings.TrimSpace(line))
				continue
			}
			if fenced {
				// A comment only describes the command before it.
				if i := strings.Index(line, " #"); i >= 0 {
					line = line[:i]
				}
				for _, m := range invocation.FindAllStringSubmatchIndex(line, -1) {
					c := docCommand{where: where, words: words(line[m[3]:])}
					if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "error: ") {
						c.err = strings.TrimPrefix(lines[i+1], "error: ")
					}
					found = append(found, c)
				}
				continue
			}
			for _, m := range inlineSpan.FindAllStringSubmatch(line, -1) {
				_, rest, _ := strings.Cut(m[1], " ")
				if strings.HasPrefix(m[1], "tfy secrets") {
					_, rest, _ = strings.Cut(rest, " ")
				}
				found = append(found, docCommand{where: where, words: words(rest), inline: true, refused: refusedMark.MatchString(line)})
			}
		}
	}
	return found, planned
}

// TestDocumentedCommandsExist: every command line README.md and docs/
// show resolves in the tree, flags included (cmdutil.Normalize checks the
// words as the program does). A line the docs follow with an "error: ..."
// line must be refused with exactly that usage error, when it is one the
// command line itself causes. Placeholders in synopses ([--host URL],
// GROUP, SOURCES...) are positionals and pass; a command the docs describe
// as planned is marked `# planned` on its line.
func TestDocumentedCommandsExist(t *testing.T) {
	ios, _, _ := iostreams.Test("")
	app := NewApp(cmdutil.NewFactory(ios, nil), "tfy-secrets")
	found, planned := docCommands(t)
	if len(found) < 100 {
		t.Fatalf("found only %d command lines in the docs", len(found))
	}
	t.Logf("%d command lines checked", len(found))
	for _, p := range planned {
		t.Logf("planned, not checked: %s", p)
	}
	for _, c := range found {
		if len(c.words) > 0 && (c.words[0] == "__complete" || slices.Contains(c.words, "--generate-bash-completion") || c.inline && strings.Contains(c.words[0], "=")) {
			// The completion protocols are answered before the tree is
			// consulted (host/cmd/completion tests them); a KEY=VALUE
			// where a command goes is shown as the mistake it is.
			continue
		}
		if slices.ContainsFunc(c.words, func(w string) bool { return strings.HasPrefix(w, "$") }) {
			// A shell variable ($U in docs/reliability.md) stands for
			// words written out elsewhere on the page.
			continue
		}
		argv := append([]string{"tfy-secrets"}, synopsis(c.words)...)
		_, err := cmdutil.Normalize(app, argv)
		switch {
		case c.refused:
			if err == nil {
				t.Errorf("%s: %q is said to be refused, and it is not", c.where, c.words)
			}
		case c.err != "" && err != nil:
			if err.Error() != c.err {
				t.Errorf("%s: %q is refused with %q, the docs say %q", c.where, c.words, err, c.err)
			}
		case err != nil:
			t.Errorf("%s: %q does not resolve in the command tree: %v", c.where, c.words, err)
		case !namesCommand(app, argv):
			t.Errorf("%s: %q names no command", c.where, c.words)
		}
	}
}

// synopsis turns a usage synopsis into words Normalize can check:
// [--flag VALUE] loses its brackets, alternatives a|b keep their first
// branch, "..." repetition marks go, and placeholders that stand for
// positionals (GROUP, SOURCES..., COMMAND...) go too; a placeholder after
// a flag stays, as that flag's value.
func synopsis(ws []string) []string {
	var out []string
	for _, w := range ws {
		w = strings.TrimSuffix(strings.Trim(w, "[]"), "...")
		w = strings.TrimSuffix(w, "]")
		if w == "" || w == "|" {
			continue
		}
		if strings.HasPrefix(w, "-") {
			w, _, _ = strings.Cut(w, "|")
		} else if placeholder.MatchString(w) && (len(out) == 0 || !strings.HasPrefix(out[len(out)-1], "-")) {
			continue
		}
		out = append(out, w)
	}
	return out
}

// namesCommand reports whether the command line names a command, or is
// the program alone with global flags (its help).
func namesCommand(app *cli.App, argv []string) bool {
	args := argv[1:]
	for i := 0; i < len(args); i++ {
		w := args[i]
		if !strings.HasPrefix(w, "-") {
			for _, c := range app.Commands {
				if c.HasName(w) {
					return true
				}
			}
			return false
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(w, "-"), "=")
		for _, fl := range app.Flags {
			if d, ok := fl.(cli.DocGenerationFlag); ok && d.TakesValue() && !hasValue && slices.Contains(fl.Names(), name) {
				i++
			}
		}
	}
	return true
}
