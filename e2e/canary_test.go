package e2e

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
)

// TestCanaries plants a unique value through every source and runs every
// kind of command with it: success, failure, --debug, -o json, dry run, a
// declined confirmation, a plugin crash mid-command. It then searches
// everything the program could have leaked into: stdout, stderr, the
// terminal transcript (which includes the plugin's --debug output), every
// file under HOME and TMPDIR, and the plugin's argv. There must be zero
// hits, and the values must have really arrived in the store (so the test
// is not passing because nothing happened).
func TestCanaries(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	src := t.TempDir() // our own source files live outside HOME

	c := map[string]string{
		"env":     testkit.Canary("canary-env-"),
		"file":    testkit.Canary("canary-file-"),
		"stdin":   testkit.Canary("canary-stdin-"),
		"dotenv":  testkit.Canary("canary-dotenv-"),
		"prompt":  testkit.Canary("canary-prompt-"),
		"literal": testkit.Canary("canary-literal-"),
		"crash":   testkit.Canary("canary-crash-"),
		"decline": testkit.Canary("canary-decline-"),
	}
	u.env["CANARY_ENV"] = c["env"]
	u.env["CANARY_CRASH"] = c["crash"]
	u.env["CANARY_DECLINE"] = c["decline"]
	filePath := filepath.Join(src, "db.pass")
	if err := os.WriteFile(filePath, []byte(c["file"]), 0o600); err != nil {
		t.Fatal(err)
	}
	dotenvPath := filepath.Join(src, "app.env")
	if err := os.WriteFile(dotenvPath, []byte("export DOTENV_KEY=\""+c["dotenv"]+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	var outputs []string
	// What the program printed; the command line itself is the user's (the
	// refused literal is on it on purpose) and is not searched.
	record := func(r result) result {
		outputs = append(outputs, r.stdout+"\n"+r.stderr)
		return r
	}
	expectCode := func(r result, code int) {
		t.Helper()
		if r.code != code {
			t.Fatalf("exit %d, want %d\n%v", r.code, code, r)
		}
	}

	expectCode(record(u.run("", "group", "create", "canaries", "--provider", "gcp",
		"--from-env", "ENV-KEY=CANARY_ENV", "--from-file", "FILE-KEY="+filePath, "--from-dotenv", dotenvPath, "--yes")), 0)
	debugRun := record(u.run(c["stdin"], "group", "update", "canaries", "--from-file", "STDIN-KEY=-", "--yes", "--debug"))
	expectCode(debugRun, 0)
	// The plugin's own log lines are part of what gets searched.
	if !strings.Contains(debugRun.stderr, "tfy-secrets-plugin") {
		t.Fatalf("--debug shows no plugin diagnostics\n%v", debugRun)
	}
	expectCode(record(u.run("", "group", "update", "canaries", "--from-env", "ENV-KEY=CANARY_ENV", "--yes", "-o", "json")), 0)
	expectCode(record(u.run("", "group", "update", "canaries", "--from-env", "ENV-KEY=CANARY_ENV", "--dry-run", "-o", "json", "--debug")), 0)
	expectCode(record(u.run("", "group", "update", "canaries", "--from-env", "UNCONFIRMED-KEY=CANARY_ENV", "-o", "yaml")), 8) // no --yes, no terminal
	expectCode(record(u.run("", "group", "create", "canaries", "--provider", "gcp", "--from-env", "ENV-KEY=CANARY_ENV", "--yes", "--debug")), 6)
	expectCode(record(u.run("", "group", "create", "literal", "--provider", "gcp", "LITERAL-KEY="+c["literal"], "--yes", "--debug", "-o", "json")), 7)
	expectCode(record(u.run("", "group", "get", "canaries", "--show-prefix", "--debug", "-o", "json")), 0)
	expectCode(record(u.run("", "secret", "get", "canaries:ENV-KEY", "--debug")), 0)

	var argvs []string
	// A hidden prompt, with the plugin's argv read while it runs.
	tm := u.startTerm("group", "update", "canaries", "--prompt", "PROMPT-KEY", "--debug")
	tm.expectHidden("PROMPT-KEY")
	tm.send(c["prompt"] + "\r")
	tm.expect("Proceed? [y/N]")
	_, argv := pluginOf(t, tm.cmd.Process.Pid)
	argvs = append(argvs, argv)
	tm.send("y\r")
	if code := tm.wait(); code != 0 {
		t.Fatalf("prompted update: exit %d\n%s", code, tm.transcript())
	}
	outputs = append(outputs, tm.transcript())

	// A declined confirmation.
	tm = u.startTerm("group", "update", "canaries", "--from-env", "DECLINED-KEY=CANARY_DECLINE")
	tm.expect("Proceed? [y/N]")
	tm.send("n\r")
	if code := tm.wait(); code != 8 {
		t.Fatalf("declined update: exit %d\n%s", code, tm.transcript())
	}
	outputs = append(outputs, tm.transcript())

	// The plugin dies while it holds a plan with a value in it.
	tm = u.startTerm("group", "update", "canaries", "--from-env", "CRASH-KEY=CANARY_CRASH", "--debug")
	tm.expect("Proceed? [y/N]")
	pid, argv := pluginOf(t, tm.cmd.Process.Pid)
	argvs = append(argvs, argv)
	// The value's variable is in the host's environment; the plugin's must
	// not carry it (the launcher passes on only what the plugin needs).
	environ, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(environ), "TFY_BASE_URL=") {
		t.Fatal("read the wrong process's environment: no TFY_BASE_URL")
	}
	argvs = append(argvs, string(environ))
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Once the dead plugin is reaped, the host knows the change was never
	// sent (the plan died with the plugin).
	testkit.WaitGone(t, pid)
	tm.send("y\r")
	if code := tm.wait(); code != 1 || !strings.Contains(tm.transcript(), "the tfy-secrets plugin stopped before the change was sent: nothing was written") {
		t.Fatalf("plugin crash: exit %d\n%s", code, tm.transcript())
	}
	outputs = append(outputs, tm.transcript())

	stored := e.stored(t, "canaries")
	for key, source := range map[string]string{"ENV-KEY": "env", "FILE-KEY": "file", "DOTENV_KEY": "dotenv", "STDIN-KEY": "stdin", "PROMPT-KEY": "prompt"} {
		if stored[key] != c[source] {
			t.Errorf("%s (from %s) did not arrive intact in the store", key, source)
		}
	}
	for _, key := range []string{"DECLINED-KEY", "CRASH-KEY"} {
		if _, ok := stored[key]; ok {
			t.Errorf("%s was written although the update did not go through", key)
		}
	}

	// Every run removed its private socket directory, the crashed one too.
	if left := leftovers(t, u.env["TMPDIR"]); len(left) != 0 {
		t.Errorf("TMPDIR not clean after the runs: %v", left)
	}

	var files []string
	for _, root := range []string{u.home, u.env["TMPDIR"]} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			files = append(files, path+":\n"+string(data))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	for name, canary := range c {
		for _, where := range [][]string{outputs, argvs, files} {
			for _, text := range where {
				if strings.Contains(text, canary) {
					t.Errorf("the %s canary leaked into:\n%s", name, text)
				}
			}
		}
	}
}
