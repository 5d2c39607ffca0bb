//go:build linux

package host

import (
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// onTerminal runs the CLI with stdin and stderr on a real pseudo-terminal
// in the background; the test plays the person.
func onTerminal(t *testing.T, in invocation, args ...string) (*hosttest.Terminal, <-chan outcome) {
	t.Helper()
	term := hosttest.NewTerminal(t)
	in.ios = term.Streams(t)
	done := make(chan outcome, 1)
	go func() { done <- in.run(t, args...) }()
	return term, done
}

func TestConfirmOnTerminal(t *testing.T) {
	for _, tc := range []struct {
		answer string
		code   int
		apply  bool
	}{
		{"y\n", 0, true},
		{"YES\n", 0, true},
		{"n\n", 8, false},
		{"\n", 8, false},
	} {
		svc := mutationService(updatePlan())
		term, done := onTerminal(t, invocation{svc: svc, env: map[string]string{"NEW_KEY": canary}},
			"group", "update", "app", "--from-env", "API-KEY=NEW_KEY")
		seen := term.WaitFor(t, "Proceed? [y/N] ")
		if !strings.Contains(seen, "\x1b[32m+\x1b[0m API-KEY") {
			t.Fatalf("plan on a terminal is coloured: %q", seen)
		}
		term.Type(t, tc.answer)
		o := <-done
		if o.code != tc.code || (calls(svc) == "PlanMutation,ApplyPlan") != tc.apply {
			t.Fatalf("answer %q: exit %d calls %s", tc.answer, o.code, calls(svc))
		}
		if strings.Contains(term.Drain(), canary) {
			t.Fatal("canary on the terminal")
		}
	}
}

func TestTypedConfirmationOnTerminal(t *testing.T) {
	p := plugin.Plan{ID: "p-del", Operation: plugin.OpGroupDelete, Group: "app", GroupFQN: "demo:app", Confirm: plugin.ConfirmTyped, ActiveDeployments: 1,
		Changes: []plugin.PlannedChange{{Key: "DB", Action: plugin.ActionRemove}}}
	for _, tc := range []struct {
		typed string
		code  int
	}{
		{"app\n", 0},
		{"demo:app\n", 0},
		{"ap\n", 8},
		{"y\n", 8},
	} {
		svc := mutationService(p)
		// --yes alone does not replace typing the name on a terminal.
		term, done := onTerminal(t, invocation{svc: svc}, "group", "delete", "app", "--yes")
		seen := term.WaitFor(t, `Type the group name "app" to confirm: `)
		if !strings.Contains(seen, "Active deployments using this group: 1") {
			t.Fatalf("no blast radius before the question: %q", seen)
		}
		term.Type(t, tc.typed)
		o := <-done
		if o.code != tc.code {
			t.Fatalf("typed %q: exit %d", tc.typed, o.code)
		}
		if tc.code == 0 {
			if a := svc.Request("ApplyPlan").(plugin.ApplyRequest); a.TypedName != strings.TrimSpace(tc.typed) {
				t.Fatalf("typed name %q", a.TypedName)
			}
		} else if calls(svc) != "PlanMutation" {
			t.Fatalf("applied after %q", tc.typed)
		}
	}
}

func TestHiddenPromptSource(t *testing.T) {
	svc := mutationService(updatePlan())
	term, done := onTerminal(t, invocation{svc: svc}, "group", "update", "app", "--prompt", "API-KEY", "--yes")
	term.WaitFor(t, "Value for API-KEY (input hidden): ")
	term.WaitEcho(t, false)
	term.Type(t, canary+"\n")
	o := <-done
	if o.code != 0 {
		t.Fatalf("exit %d", o.code)
	}
	c := svc.Request("PlanMutation").(plugin.MutationRequest).Changes
	if len(c) != 1 || c[0].Value.Reveal() != canary || c[0].Source != plugin.SourcePrompt || !svc.Request("PlanMutation").(plugin.MutationRequest).Interactive {
		t.Fatalf("changes %+v", c)
	}
	if strings.Contains(term.Drain(), canary) {
		t.Fatal("the hidden value was echoed")
	}
}

func TestLoginPromptsOnTerminal(t *testing.T) {
	svc := hosttest.Canned(hosttest.Answers{Status: plugin.AuthStatus{Host: "https://h", KeySource: "keyring"}})
	term, done := onTerminal(t, invocation{svc: svc}, "auth", "login", "--host", "https://h")
	term.WaitFor(t, "TrueFoundry API key for https://h (input hidden): ")
	term.WaitEcho(t, false)
	term.Type(t, canary+"\n")
	if o := <-done; o.code != 0 {
		t.Fatalf("exit %d", o.code)
	}
	logins := svc.All("Login")
	if len(logins) != 1 || logins[0].(plugin.LoginRequest).Key.Reveal() != canary || logins[0].(plugin.LoginRequest).Host != "https://h" {
		t.Fatal("the typed key did not reach Login")
	}
	if strings.Contains(term.Drain(), canary) {
		t.Fatal("the key was echoed")
	}
}
