package host

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

func updatePlan() plugin.Plan {
	return plugin.Plan{
		ID: "plan-42", Operation: plugin.OpGroupUpdate, Group: "app", Integration: "azure/vault", Confirm: plugin.ConfirmYes,
		ActiveDeployments: -1,
		Changes:           []plugin.PlannedChange{{Key: "API-KEY", Action: plugin.ActionAdd, Source: plugin.SourceEnv, Origin: "env NEW_KEY"}},
	}
}

func mutationService(p plugin.Plan) *hosttest.Service {
	return hosttest.Canned(hosttest.Answers{
		Plan:   p,
		Result: plugin.Result{Operation: p.Operation, Group: p.Group, Verified: true, Changes: []plugin.ResultChange{{Key: "API-KEY", Action: plugin.ActionAdd}}},
	})
}

func calls(svc *hosttest.Service) string { return strings.Join(svc.Methods(), ",") }

func TestMutationNeedsYesWithoutTTY(t *testing.T) {
	svc := mutationService(updatePlan())
	env := map[string]string{"NEW_KEY": canary}
	o := invocation{svc: svc, env: env}.run(t, "group", "update", "app", "--from-env", "API-KEY=NEW_KEY")
	o.expect(t, 8, "", `Plan for secret group "app" (azure/vault):`)
	if !strings.Contains(o.stderr, "hint: pass --yes") || calls(svc) != "PlanMutation" || o.stdout != "" {
		t.Fatalf("calls %s stderr %s stdout %q", calls(svc), o.stderr, o.stdout)
	}
	req := svc.Request("PlanMutation").(plugin.MutationRequest)
	if len(req.Changes) != 1 || req.Changes[0].Value.Reveal() != canary || req.Changes[0].Origin != "env NEW_KEY" || req.Changes[0].Source != plugin.SourceEnv {
		t.Fatalf("changes %+v", req.Changes)
	}
}

func TestMutationWithYesApplies(t *testing.T) {
	svc := mutationService(updatePlan())
	env := map[string]string{"NEW_KEY": canary}
	o := invocation{svc: svc, env: env}.run(t, "update", "app", "--from-env", "API-KEY=NEW_KEY", "--unset", "OLD", "-y")
	o.expect(t, 0, `Updated secret group "app" (verified)`, "Plan for secret group")
	if calls(svc) != "PlanMutation,ApplyPlan" {
		t.Fatalf("calls %s", calls(svc))
	}
	if a := svc.Request("ApplyPlan").(plugin.ApplyRequest); a.PlanID != "plan-42" || !a.Confirmed || !a.Yes {
		t.Fatalf("apply %+v", a)
	}
	if r := svc.Request("PlanMutation").(plugin.MutationRequest); r.Operation != plugin.OpGroupUpdate || !slices.Equal(r.Unset, []string{"OLD"}) || r.Replace {
		t.Fatalf("plan request %+v", r)
	}
	j := invocation{svc: svc, env: env}.run(t, "update", "app", "--from-env", "API-KEY=NEW_KEY", "--replace", "-y", "-o", "json")
	j.expect(t, 0, `"result": {`, "")
	if !svc.Request("PlanMutation").(plugin.MutationRequest).Replace {
		t.Fatal("--replace not passed")
	}
}

func TestDryRunPrintsThePlanOnly(t *testing.T) {
	svc := mutationService(updatePlan())
	env := map[string]string{"NEW_KEY": canary}
	o := invocation{svc: svc, env: env}.run(t, "--dry-run", "group", "update", "app", "--from-env", "API-KEY=NEW_KEY")
	o.expect(t, 0, "  + API-KEY   add   from env NEW_KEY", "")
	if calls(svc) != "PlanMutation" || o.stderr != "" {
		t.Fatalf("calls %s stderr %q", calls(svc), o.stderr)
	}
	j := invocation{svc: svc, env: env}.run(t, "group", "update", "app", "--from-env", "API-KEY=NEW_KEY", "--dry-run", "-o", "json")
	j.expect(t, 0, `"plan": {`, "")
	if !strings.Contains(j.stdout, `"confirm": "yes"`) || !svc.Request("PlanMutation").(plugin.MutationRequest).DryRun {
		t.Fatalf("stdout %s", j.stdout)
	}
}

func TestTypedConfirmationWithoutTTY(t *testing.T) {
	p := plugin.Plan{ID: "p-del", Operation: plugin.OpGroupDelete, Group: "app", Confirm: plugin.ConfirmTyped, ActiveDeployments: 3,
		Changes: []plugin.PlannedChange{{Key: "DB", Action: plugin.ActionRemove}}}
	for _, tc := range []struct {
		args  []string
		code  int
		apply bool
		msg   string
	}{
		{[]string{"group", "delete", "app"}, 8, false, "hint: pass --yes --confirm-name app"},
		{[]string{"group", "delete", "app", "--yes"}, 8, false, "hint: pass --yes --confirm-name app"},
		{[]string{"group", "delete", "app", "--confirm-name", "app"}, 8, false, "hint: pass --yes --confirm-name app"},
		{[]string{"group", "delete", "app", "--yes", "--confirm-name", "other"}, 8, false, `does not match the group name "app"`},
		{[]string{"delete", "app", "--yes", "--confirm-name", "app"}, 0, true, "Active deployments using this group: 3"},
	} {
		svc := mutationService(p)
		o := invocation{svc: svc}.run(t, tc.args...)
		o.expect(t, tc.code, "", tc.msg)
		if applied := slices.Contains(svc.Methods(), "ApplyPlan"); applied != tc.apply {
			t.Fatalf("%v: applied %v", tc.args, applied)
		}
		if tc.apply {
			a := svc.Request("ApplyPlan").(plugin.ApplyRequest)
			if a.TypedName != "app" || a.ConfirmName != "app" {
				t.Fatalf("apply %+v", a)
			}
			o.expect(t, 0, `Deleted secret group "app"`, "")
		}
	}
}

func TestSecretDelete(t *testing.T) {
	p := plugin.Plan{ID: "p-s", Operation: plugin.OpSecretDelete, Group: "app", Confirm: plugin.ConfirmYes, ActiveDeployments: -1,
		Changes: []plugin.PlannedChange{{Key: "DB", Action: plugin.ActionRemove}}}
	svc := mutationService(p)
	invocation{svc: svc}.run(t, "secret", "delete", "app:DB", "--yes").expect(t, 0, "", "Active deployments using this group: unknown")
	if r := svc.Request("PlanMutation").(plugin.MutationRequest); r.Operation != plugin.OpSecretDelete || r.Secret != "app:DB" {
		t.Fatalf("plan request %+v", r)
	}
}

func TestCreateSources(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "tls.key")
	writeFile(t, file, canary+"\n")
	dotenv := filepath.Join(dir, ".env")
	writeFile(t, dotenv, "# comment\nexport A="+canary+"-a\nB='"+canary+"-b'\n")
	p := plugin.Plan{ID: "p-c", Operation: plugin.OpGroupCreate, Group: "app", Confirm: plugin.ConfirmYes}
	svc := mutationService(p)
	env := map[string]string{"DB_PASSWORD": canary + "-db", "OTHER": canary + "-other"}
	o := invocation{svc: svc, env: env, stdin: canary + "-stdin\n"}.run(t,
		"group", "create", "app", "--provider", "azure", "--integration", "demo:azure:vault",
		"--from-env", "DB_PASSWORD", "--from-env", "X=OTHER", "--from-file", "TLS="+file,
		"--from-file", "IN=-", "--from-dotenv", dotenv, "--yes")
	o.expect(t, 0, `Created secret group "app"`, "")
	r := svc.Request("PlanMutation").(plugin.MutationRequest)
	if r.Operation != plugin.OpGroupCreate || r.Group != "app" || r.Provider != "azure" || r.Integration != "demo:azure:vault" {
		t.Fatalf("plan request %+v", r)
	}
	want := map[string]struct {
		value  string
		source plugin.Source
		origin string
	}{
		"DB_PASSWORD": {canary + "-db", plugin.SourceEnv, "env DB_PASSWORD"},
		"X":           {canary + "-other", plugin.SourceEnv, "env OTHER"},
		"TLS":         {canary + "\n", plugin.SourceFile, "file " + file},
		"IN":          {canary + "-stdin\n", plugin.SourceStdin, "stdin"},
		"A":           {canary + "-a", plugin.SourceDotenv, "dotenv " + dotenv + " line 2"},
		"B":           {canary + "-b", plugin.SourceDotenv, "dotenv " + dotenv + " line 3"},
	}
	if len(r.Changes) != len(want) {
		t.Fatalf("changes %+v", r.Changes)
	}
	for _, c := range r.Changes {
		w, ok := want[c.Key]
		if !ok || c.Value.Reveal() != w.value || c.Source != w.source || c.Origin != w.origin {
			t.Errorf("change %s: source %s origin %q value ok %v", c.Key, c.Source, c.Origin, c.Value.Reveal() == w.value)
		}
	}
}

// TestInlineValueIsLiteral: a positional KEY=VALUE reaches the plugin as a
// literal source without its value, and the policy's refusal names KEY.
func TestInlineValueIsLiteral(t *testing.T) {
	svc := hosttest.Canned(hosttest.Answers{Err: map[string]error{
		"PlanMutation": failure.New(failure.Denied, "API_KEY: values typed on the command line are refused").WithHint("use --from-env API_KEY"),
	}})
	o := invocation{svc: svc}.run(t, "group", "create", "app", "API_KEY="+canary)
	o.expect(t, 7, "", "error: plan: API_KEY: values typed on the command line are refused")
	r := svc.Request("PlanMutation").(plugin.MutationRequest)
	if len(r.Changes) != 1 || r.Changes[0].Key != "API_KEY" || r.Changes[0].Source != plugin.SourceLiteral || r.Changes[0].Value.IsSet() {
		t.Fatalf("changes %+v", r.Changes)
	}
}

// TestMistakenValuesAreNotEchoed: text after '=' that is not a variable or
// a readable file, and positional junk, never appear in errors.
func TestMistakenValuesAreNotEchoed(t *testing.T) {
	for _, args := range [][]string{
		{"group", "create", "app", "--from-env", "K=" + canary},
		{"group", "create", "app", "--from-env", "K=CANARY_UNSET_VAR_" + strings.ReplaceAll(canary, "-", "_")},
		{"group", "update", "app", "--from-file", "K=" + canary},
		{"group", "create", "app", canary},
		{"group", "create", "app", "=" + canary},
		{"group", "create", "app", "--from-env", "K", "extra " + canary + "=x"},
		{"ref", "app", "K", canary},
		{"group", "update", "API_KEY=" + canary, "--from-env", "K"},
		{"delete", "K=" + canary},
		{"group", "update", "app", "--unset", "K=" + canary},
		{"group", "update", "app", "--prompt", "K=" + canary},
		{"ref", "app", "K=" + canary},
		{"secret", "get", "a:b:c:" + canary},
		{"auth", "login", "--from-env", canary},
		{"auth", "login", "--from-env", "UNSET_" + strings.ReplaceAll(canary, "-", "_")},
	} {
		o := invocation{}.run(t, args...) // run fails the test on a leak
		if o.code != 2 || o.starts != 0 {
			t.Errorf("%v: exit %d starts %d: %s", args, o.code, o.starts, o.stderr)
		}
	}
}

func TestLoginKeySources(t *testing.T) {
	st := plugin.AuthStatus{Host: "https://h", Tenant: "demo", KeySource: "keyring"}
	for _, tc := range []struct {
		args  []string
		stdin string
		env   map[string]string
		want  string
	}{
		{[]string{"auth", "login", "--with-token"}, canary + "\n", nil, canary},
		{[]string{"auth", "login", "--with-token"}, canary + "\r\n", nil, canary},
		{[]string{"auth", "login", "--with-token"}, canary + "\n\n", nil, canary + "\n"},
		{[]string{"auth", "login", "--with-token"}, canary, nil, canary},
		{[]string{"auth", "login", "--from-env", "MY_KEY", "--host", "https://h"}, "", map[string]string{"MY_KEY": canary}, canary},
	} {
		svc := hosttest.Canned(hosttest.Answers{Status: st})
		invocation{svc: svc, env: tc.env, stdin: tc.stdin}.run(t, tc.args...).expect(t, 0, "(set) from keyring", "")
		logins := svc.All("Login")
		if len(logins) != 1 || logins[0].(plugin.LoginRequest).Key.Reveal() != tc.want {
			t.Fatalf("%v: key not passed exactly", tc.args)
		}
	}
	invocation{stdin: "\n"}.run(t, "auth", "login", "--with-token").expect(t, 2, "", "the API key is empty")
	invocation{stdin: strings.Repeat(canary, 3000)}.run(t, "auth", "login", "--with-token").expect(t, 2, "", "that is not an API key")
}

// TestTypedConfirmationForAnyMutation: an organisation policy may demand the
// typed name for an update; scripts can still pass it.
func TestTypedConfirmationForAnyMutation(t *testing.T) {
	p := updatePlan()
	p.Confirm = plugin.ConfirmTyped
	env := map[string]string{"NEW_KEY": canary}
	svc := mutationService(p)
	invocation{svc: svc, env: env}.run(t, "group", "update", "app", "--from-env", "API-KEY=NEW_KEY", "--yes").
		expect(t, 8, "", "hint: pass --yes --confirm-name app")
	invocation{svc: svc, env: env}.run(t, "group", "update", "app", "--from-env", "API-KEY=NEW_KEY", "--yes", "--confirm-name", "app").
		expect(t, 0, "Updated secret group", "")
	if a := svc.Request("ApplyPlan").(plugin.ApplyRequest); a.TypedName != "app" {
		t.Fatalf("apply %+v", a)
	}
}
