package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
)

// storeCase is one secret store as docs/stores.md describes it: what it
// refuses, how large a value it takes, and what happens when a deleted key
// name is used again.
type storeCase struct {
	name        string   // subtest name
	integration string   // the emulator's integration FQN
	store       string   // the store's name in messages
	badKeys     []string // keys the host accepts but the store refuses
	denials     []string // one expected policy message per bad key, in order
	maxValue    int      // largest value in bytes
	// recreate is the conflict a re-added deleted key meets: nil when the
	// store deletes at once and re-creating works.
	recreate *conflictCase
}

// conflictCase is the exact explanation of a reserved deleted name.
type conflictCase struct {
	message string   // the whole "error:" line after "error: apply: "; {key} is the key
	hint    []string // lines the hint must contain, exactly; {key} as above
}

var storeCases = []storeCase{
	{
		name:        "azure vault",
		integration: "demo:azure:azure-dev:secret-store:key-vault",
		store:       "Azure Key Vault",
		badKeys:     []string{"DB_PASSWORD", "api.token"},
		denials: []string{
			`key "DB_PASSWORD" is not a valid Azure Key Vault secret name (underscores are not allowed); use "DB-PASSWORD"`,
			`key "api.token" is not a valid Azure Key Vault secret name`,
		},
		maxValue: 25600,
		recreate: &conflictCase{
			message: `secret "{key}" was deleted recently and is still soft-deleted in Azure Key Vault "demo-kv"`,
			hint: []string{
				"  purge it:   az keyvault secret purge --vault-name demo-kv --name {key}",
				"  recover it: az keyvault secret recover --vault-name demo-kv --name {key}",
				"  or use another key name.",
			},
		},
	},
	{
		name:        "aws secrets manager",
		integration: "demo:aws:aws-dev:secret-store:secrets-manager",
		store:       "AWS Secrets Manager",
		badKeys:     []string{"BAD#KEY", "with%percent"},
		denials: []string{
			`key "BAD#KEY" is not a valid AWS Secrets Manager secret name; names must match ^[A-Za-z0-9/_+=.@-]{1,512}$`,
			`key "with%percent" is not a valid AWS Secrets Manager secret name; names must match ^[A-Za-z0-9/_+=.@-]{1,512}$`,
		},
		maxValue: 65536,
		recreate: &conflictCase{
			message: `secret "{key}" is scheduled for deletion in AWS Secrets Manager`,
			hint: []string{
				"  restore it: aws secretsmanager restore-secret --secret-id {key} --region us-east-1",
				"  wait until the recovery window ends,",
				"  or use another key name.",
			},
		},
	},
	{
		name:        "aws parameter store",
		integration: "demo:aws:aws-dev:secret-store:parameter-store",
		store:       "AWS Parameter Store",
		badKeys:     []string{"path/like", "at@sign"},
		denials: []string{
			`key "path/like" is not a valid AWS Parameter Store secret name; names must match ^[A-Za-z0-9_.-]{1,1011}$`,
			`key "at@sign" is not a valid AWS Parameter Store secret name; names must match ^[A-Za-z0-9_.-]{1,1011}$`,
		},
		maxValue: 4096,
	},
	{
		name:        "gcp secret manager",
		integration: "demo:gcp:gcp-dev:secret-store:gsm",
		store:       "Google Secret Manager",
		badKeys:     []string{"dotted.key", "slash/key"},
		denials: []string{
			`key "dotted.key" is not a valid Google Secret Manager secret name; names must match ^[A-Za-z0-9_-]{1,255}$`,
			`key "slash/key" is not a valid Google Secret Manager secret name; names must match ^[A-Za-z0-9_-]{1,255}$`,
		},
		maxValue: 65536,
	},
}

// TestStores walks each store of docs/stores.md through the real binaries
// and the real emulator: its key and size rules are enforced by policy
// before any write reaches the API, its deleted-name conflict (or the lack
// of one) is explained with the exact recovery command, and a failing
// integration ends in exit 9 with the forceDelete explanation.
func TestStores(t *testing.T) {
	t.Parallel()
	for _, sc := range storeCases {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			testStore(t, sc)
		})
	}
}

func testStore(t *testing.T, sc storeCase) {
	e := startEmulator(t)
	u := newUser(t, e)
	integrationID := integrationByFQN(t, u, sc.integration)
	var canaries []string
	canary := func(env string) string {
		v := testkit.Canary("canary-" + env + "-")
		u.env[env] = v
		canaries = append(canaries, v)
		return v
	}
	var all []result
	run := func(args ...string) result {
		u.t.Helper()
		r := u.run("", args...)
		all = append(all, r)
		return r
	}
	t.Cleanup(func() {
		for _, r := range all {
			for _, c := range canaries {
				if strings.Contains(r.stdout+r.stderr, c) {
					t.Errorf("a secret value escaped into the output of %v", r)
				}
			}
		}
	})

	// A value exactly at the store's limit is accepted: the limit is the
	// store's, not an approximation of it.
	keepValue := canary("KEEP_VALUE")
	readdValue := canary("READD_VALUE")
	goneValue := canary("GONE_VALUE")
	atLimit := valueFile(t, u, "at-limit", canary("AT_LIMIT"), sc.maxValue)
	if r := run("group", "create", "app", "--integration", sc.integration,
		"--from-env", "KEEP=KEEP_VALUE", "--from-env", "RE-ADDED=READD_VALUE", "--from-env", "GONE=GONE_VALUE", "--from-file", "LARGEST="+atLimit.path, "--yes"); r.code != 0 {
		t.Fatalf("create on %s: %v", sc.store, r)
	}
	want := map[string]string{"KEEP": keepValue, "RE-ADDED": readdValue, "GONE": goneValue, "LARGEST": atLimit.value}
	assertStored(t, e, "app", want)

	// The phases share the group, so they run in order; u reports to the
	// phase that is running.
	phase := func(name string, f func(t *testing.T)) {
		t.Run(name, func(t *testing.T) {
			parent := u.t
			u.t = t
			defer func() { u.t = parent }()
			f(t)
		})
	}

	phase("rules are enforced before any write", func(t *testing.T) {
		over := valueFile(t, u, "over-limit", canary("OVER_LIMIT"), sc.maxValue+1)
		args := []string{"--from-env", "NEW=KEEP_VALUE", "--from-file", "HUGE=" + over.path}
		for _, k := range sc.badKeys {
			args = append(args, "--from-env", k+"=KEEP_VALUE")
		}
		wantMsgs := append(append([]string(nil), sc.denials...),
			fmt.Sprintf(`value for key "HUGE" is %d bytes; %s accepts at most %d`, sc.maxValue+1, sc.store, sc.maxValue))

		for _, cmd := range [][]string{
			append([]string{"group", "update", "app"}, args...),
			append([]string{"group", "create", "fresh", "--integration", sc.integration}, args...),
		} {
			writes := armWriteCounter(t, e)
			r := run(append(cmd, "--yes")...)
			if r.code != 7 {
				t.Fatalf("exit %d, want 7 (denied by policy)\n%v", r.code, r)
			}
			line := errorLine(t, r)
			if !strings.HasPrefix(line, "error: plan: denied by policy: ") {
				t.Errorf("error line %q does not say the policy denied the plan", line)
			}
			for _, m := range wantMsgs {
				if !strings.Contains(line, m) {
					t.Errorf("error line lacks %q:\n%s", m, line)
				}
			}
			if strings.Contains(line, `"NEW"`) {
				t.Errorf("a valid key is named as offending: %s", line)
			}
			if !strings.Contains(r.stderr, "\nhint: see the active policies with: tfy-secrets policy show\n") {
				t.Errorf("no policy hint:\n%s", r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout of a denied command: %q", r.stdout)
			}
			if n := writes(); n != 0 {
				t.Fatalf("%d write requests reached the API before the denial", n)
			}
		}
		assertStored(t, e, "app", want)
		if e.groupExists(t, "fresh") {
			t.Fatal("a denied create left a group behind")
		}

		// The counter does see writes: the same update minus the broken
		// parts goes through and is counted.
		writes := armWriteCounter(t, e)
		if r := run("group", "update", "app", "--from-env", "LARGEST=KEEP_VALUE", "--yes"); r.code != 0 {
			t.Fatalf("rotate: %v", r)
		}
		if writes() == 0 {
			t.Fatal("the write counter missed a real write, so it proves nothing")
		}
		want["LARGEST"] = keepValue
		assertStored(t, e, "app", want)
	})

	// A key goes away by a merge update's --unset (PUT secret-groups/{id})
	// or by `secret delete` (DELETE secrets/{id}); both reserve the name on
	// the stores that soft-delete.
	for _, removal := range []struct{ key, how string }{
		{"RE-ADDED", "unset"},
		{"GONE", "secret delete"},
	} {
		phase("re-adding a key removed by "+removal.how, func(t *testing.T) {
			key := removal.key
			remove := []string{"group", "update", "app", "--unset", key, "--yes"}
			if removal.how == "secret delete" {
				remove = []string{"secret", "delete", "app:" + key, "--yes"}
			}
			if r := run(remove...); r.code != 0 {
				t.Fatalf("remove: %v", r)
			}
			delete(want, key)
			assertStored(t, e, "app", want)
			newValue := canary("NEW_VALUE")
			readd := []string{"group", "update", "app", "--from-env", key + "=NEW_VALUE", "--yes"}

			if sc.recreate == nil {
				r := run(readd...)
				if r.code != 0 {
					t.Fatalf("%s deletes at once, so re-adding must work: %v", sc.store, r)
				}
				want[key] = newValue
				assertStored(t, e, "app", want)
				return
			}

			message := strings.ReplaceAll(sc.recreate.message, "{key}", key)
			r := run(readd...)
			if r.code != 6 {
				t.Fatalf("exit %d, want 6 (conflict)\n%v", r.code, r)
			}
			if got, wantLine := errorLine(t, r), "error: apply: "+message; got != wantLine {
				t.Errorf("error line\n got %q\nwant %q", got, wantLine)
			}
			hint := hintText(r)
			for _, h := range sc.recreate.hint {
				if h = strings.ReplaceAll(h, "{key}", key); !containsLine(hint, h) {
					t.Errorf("hint lacks the line %q:\n%s", h, hint)
				}
			}
			assertStored(t, e, "app", want)

			// The same failure for machines: the conflict code and the
			// same commands in the hint.
			r = run(append(readd, "-o", "json")...)
			var doc struct {
				Error struct{ Code, Message, Hint string }
			}
			if err := json.Unmarshal([]byte(lastLine(r.stderr)), &doc); err != nil {
				t.Fatalf("-o json error is not JSON: %v\n%v", err, r)
			}
			firstWayOut := strings.TrimSpace(strings.ReplaceAll(sc.recreate.hint[0], "{key}", key))
			if r.code != 6 || doc.Error.Code != "conflict" || doc.Error.Message != "apply: "+message || !strings.Contains(doc.Error.Hint, firstWayOut) {
				t.Errorf("JSON conflict: exit %d %+v", r.code, doc.Error)
			}

			// Once the store lets go of the name (a purge, or the end of
			// the recovery window), the same command works.
			e.control(t, http.MethodPost, "/_emulator/purge", map[string]string{"integrationId": integrationID, "group": "app", "key": key})
			if r := run(readd...); r.code != 0 {
				t.Fatalf("re-adding after the name was freed: %v", r)
			}
			want[key] = newValue
			assertStored(t, e, "app", want)
		})
	}

	phase("a faulty integration", func(t *testing.T) {
		e.control(t, http.MethodPut, "/_emulator/integrations/"+integrationID+"/faulty", map[string]bool{"faulty": true})
		canary("FAULTY_VALUE")
		for _, cmd := range [][]string{
			{"group", "update", "app", "--from-env", "KEEP=FAULTY_VALUE", "--yes"},
			{"group", "create", "other", "--integration", sc.integration, "--from-env", "KEEP=FAULTY_VALUE", "--yes"},
			{"group", "delete", "app", "--yes", "--confirm-name", "app"},
		} {
			r := run(cmd...)
			if r.code != 9 {
				t.Fatalf("exit %d, want 9 (upstream unavailable)\n%v", r.code, r)
			}
			wantLine := fmt.Sprintf("error: apply: the %s behind integration %q failed: Secret store integration '%s' is unavailable; retry later, or delete with forceDelete=true", sc.store, sc.integration, sc.integration)
			if got := errorLine(t, r); got != wantLine {
				t.Errorf("error line\n got %q\nwant %q", got, wantLine)
			}
			wantHint := "hint: ask your platform admin to check the integration's credentials and the store's health; " +
				"deleting with force (API forceDelete) removes the group from TrueFoundry even while the store is unreachable, " +
				"but leaves any values already in the store behind"
			if !containsLine(r.stderr, wantHint) {
				t.Errorf("hint lacks the forceDelete explanation:\n%s", r.stderr)
			}
		}
		assertStored(t, e, "app", want)
		if e.groupExists(t, "other") {
			t.Fatal("a create on a faulty integration left a group behind")
		}
	})
}

// TestNoSecretStore: a workspace without any secret-store integration gets
// the "no secret store" explanation (exit 5), however the store is chosen.
func TestNoSecretStore(t *testing.T) {
	t.Parallel()
	e := startEmulator(t, "--no-secret-store")
	u := newUser(t, e)
	value := testkit.Canary("canary-")
	u.env["V"] = value
	for _, choice := range [][]string{
		nil,
		{"--provider", "aws"},
		{"--integration", "demo:aws:aws-dev:secret-store:secrets-manager"},
	} {
		args := append(append([]string{"group", "create", "app"}, choice...), "--from-env", "KEY=V", "--yes")
		r := u.run("", args...)
		if r.code != 5 {
			t.Fatalf("exit %d, want 5 (not found)\n%v", r.code, r)
		}
		if line := errorLine(t, r); !strings.HasSuffix(line, ": no secret store configured for this workspace") {
			t.Errorf("error line %q", line)
		}
		if !strings.HasPrefix(hintText(r), "contact your platform admin") {
			t.Errorf("hint %q does not send the user to the platform admin", hintText(r))
		}
		if strings.Contains(r.stdout+r.stderr, value) {
			t.Errorf("the value escaped: %v", r)
		}
		if e.groupExists(t, "app") {
			t.Fatal("a group was created without a secret store")
		}
	}
	r := u.run("", "group", "create", "app", "--from-env", "KEY=V", "--yes", "-o", "json")
	var doc struct {
		Error struct{ Code, Message, Hint string }
	}
	if err := json.Unmarshal([]byte(lastLine(r.stderr)), &doc); err != nil || r.code != 5 || doc.Error.Code != "not_found" ||
		!strings.HasSuffix(doc.Error.Message, "no secret store configured for this workspace") || !strings.Contains(doc.Error.Hint, "platform admin") {
		t.Errorf("JSON form: %v %+v\n%v", err, doc.Error, r)
	}
}

// TestIntegrationChoice: with several stores, create needs a choice and
// lists each one with the --integration flag to copy (exit 2); a provider
// with a single store is enough of a choice.
func TestIntegrationChoice(t *testing.T) {
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	u.env["V"] = testkit.Canary("canary-")
	for _, tc := range []struct {
		choice []string
		line   string
		fqns   []string
	}{
		{nil, "error: plan: several secret stores are configured; choose one with --integration", []string{
			"demo:aws:aws-dev:secret-store:secrets-manager", "demo:aws:aws-dev:secret-store:parameter-store",
			"demo:azure:azure-dev:secret-store:key-vault", "demo:gcp:gcp-dev:secret-store:gsm",
		}},
		{[]string{"--provider", "aws"}, "error: plan: several aws secret stores are configured; choose one with --integration", []string{
			"demo:aws:aws-dev:secret-store:secrets-manager", "demo:aws:aws-dev:secret-store:parameter-store",
		}},
	} {
		r := u.run("", append(append([]string{"group", "create", "app"}, tc.choice...), "--from-env", "KEY=V", "--yes")...)
		if r.code != 2 {
			t.Fatalf("exit %d, want 2 (usage)\n%v", r.code, r)
		}
		if got := errorLine(t, r); got != tc.line {
			t.Errorf("error line\n got %q\nwant %q", got, tc.line)
		}
		if n := strings.Count(r.stderr, "--integration demo:"); n != len(tc.fqns) {
			t.Errorf("%d choices listed, want %d:\n%s", n, len(tc.fqns), r.stderr)
		}
		for _, fqn := range tc.fqns {
			if !strings.Contains(r.stderr, "--integration "+fqn+"\n") {
				t.Errorf("choice %s is not offered:\n%s", fqn, r.stderr)
			}
		}
		if e.groupExists(t, "app") {
			t.Fatal("a group was created without a choice of store")
		}
	}
	u.must("", "group", "create", "app", "--provider", "gcp", "--from-env", "KEY=V", "--yes")
	var groups struct {
		Data []struct {
			IntegrationID string `json:"integrationId"`
		} `json:"data"`
	}
	e.api(t, http.MethodGet, "/api/svc/v1/secret-groups?fqn=demo:app", nil, &groups)
	if len(groups.Data) != 1 || groups.Data[0].IntegrationID != integrationByFQN(t, u, "demo:gcp:gcp-dev:secret-store:gsm") {
		t.Fatalf("--provider gcp did not pick the only gcp store: %+v", groups.Data)
	}
}

// integrationByFQN finds an integration's id the way a user would: from
// `integration list -o json`.
func integrationByFQN(t *testing.T, u *user, fqn string) string {
	t.Helper()
	r := u.must("", "integration", "list", "-o", "json")
	var doc struct {
		Integrations []struct{ ID, FQN string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("integration list -o json: %v\n%s", err, r.stdout)
	}
	for _, in := range doc.Integrations {
		if in.FQN == fqn {
			return in.ID
		}
	}
	t.Fatalf("no integration %s in %s", fqn, r.stdout)
	return ""
}

// fileValue is a value written to a file for --from-file.
type fileValue struct{ path, value string }

// valueFile writes a value of exactly size bytes that starts with the
// canary, so a leak of any part of its head is caught.
func valueFile(t *testing.T, u *user, name, canary string, size int) fileValue {
	t.Helper()
	v := canary + strings.Repeat("x", size-len(canary))
	path := filepath.Join(u.home, name)
	if err := os.WriteFile(path, []byte(v), 0o600); err != nil {
		t.Fatal(err)
	}
	return fileValue{path: path, value: v}
}

// assertStored compares what the emulator holds with want, values
// included, without printing a value on mismatch.
func assertStored(t *testing.T, e *emulator, group string, want map[string]string) {
	t.Helper()
	got := e.stored(t, group)
	if len(got) != len(want) {
		t.Fatalf("group %s holds %d keys %v, want %d", group, len(got), slices.Sorted(maps.Keys(got)), len(want))
	}
	for k, v := range want {
		g, ok := got[k]
		if !ok {
			t.Fatalf("group %s lacks %s; holds %v", group, k, slices.Sorted(maps.Keys(got)))
		}
		if g != v {
			t.Fatalf("group %s: %s holds a different value (%d bytes, want %d)", group, k, len(g), len(v))
		}
	}
}

// armWriteCounter arms pass-through emulator faults (a zero delay) on every
// request that could write, and returns a function that says how many such
// requests arrived since. Reads (GET, and POST secrets, which lists) are not
// counted: a plan may read.
func armWriteCounter(t *testing.T, e *emulator) func() int {
	t.Helper()
	e.control(t, http.MethodDelete, "/_emulator/faults", nil)
	const budget = 1_000_000
	for _, r := range []struct{ method, prefix string }{
		{http.MethodPost, "/api/svc/v1/secret-groups"},
		{http.MethodPost, "/api/svc/v1/delete"},
		{http.MethodPut, "/api/svc/v1/"},
		{http.MethodDelete, "/api/svc/v1/"},
	} {
		e.control(t, http.MethodPost, "/_emulator/faults", map[string]any{"method": r.method, "pathPrefix": r.prefix, "delay": "0s", "count": budget})
	}
	return func() int {
		t.Helper()
		var doc struct {
			Faults []struct {
				Count int `json:"count"`
			} `json:"faults"`
		}
		controlGet(t, e, "/_emulator/faults", &doc)
		// A rule that used up its budget disappears; four rules of a
		// million each never do within a test.
		if len(doc.Faults) != 4 {
			t.Fatalf("write counter: %d rules armed, want 4", len(doc.Faults))
		}
		n := 0
		for _, f := range doc.Faults {
			n += budget - f.Count
		}
		return n
	}
}

// controlGet reads a test-only /_emulator/ endpoint into out.
func controlGet(t *testing.T, e *emulator, path string, out any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, e.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %s", path, resp.Status, data)
	}
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(out); err != nil {
		t.Fatalf("GET %s: %v: %s", path, err, data)
	}
}

// errorLine is the one "error:" line of a failed command.
func errorLine(t *testing.T, r result) string {
	t.Helper()
	var lines []string
	for line := range strings.SplitSeq(r.stderr, "\n") {
		if strings.HasPrefix(line, "error: ") {
			lines = append(lines, line)
		}
	}
	if len(lines) != 1 {
		t.Fatalf("want exactly one error line, got %d\n%v", len(lines), r)
	}
	return lines[0]
}

// hintText is everything from "hint: " to the end of stderr, without the
// prefix: hints may span lines.
func hintText(r result) string {
	_, hint, ok := strings.Cut(r.stderr, "\nhint: ")
	if !ok {
		hint, _ = strings.CutPrefix(r.stderr, "hint: ")
	}
	return hint
}

func containsLine(text, line string) bool {
	for l := range strings.SplitSeq(text, "\n") {
		if l == line {
			return true
		}
	}
	return false
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	return s[strings.LastIndexByte(s, '\n')+1:]
}

// TestDemoScript runs scripts/demo.sh (what `make demo` runs) against the
// binaries under test: it must finish with exit 0, show each step, never
// print one of its random values, stop its emulator and leave no files.
func TestDemoScript(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join("..", "scripts", "demo.sh"))
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "TMPDIR=" + tmp, "NO_COLOR=1", "TFY_DEMO_BIN=" + bin.dir}
	for _, k := range []string{"DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"} {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	// A demo that hangs is stopped with everything it started: it runs in
	// a process group of its own.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	var out testkit.LockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	text := out.String()
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, text)
	}
	for _, want := range []string{
		"$ tfy-secrets auth login --host http://127.0.0.1:",
		"$ tfy-secrets group create demo-app --provider gcp --from-env DB_PASSWORD --from-env API_TOKEN --yes\n",
		`Created secret group "demo-app" (verified)`,
		"(set)",
		"  ~ DB_PASSWORD   rotated",
		"  + SIGNING_KEY   added",
		"  - API_TOKEN   removed",
		`"operation": "group.update"`,
		"$ tfy-secrets group update demo-app API_TOKEN=typed-on-the-command-line --yes\n",
		"# exit code 7, as expected",
		"tfy-secret://demo:demo-app:DB_PASSWORD\n",
		`truefoundry.yaml:10:14: error: env.API_TOKEN: secret group "demo-app" has no key "API_TOKEN"`,
		"# exit code 10, as expected",
		"truefoundry.yaml:9   env.SIGNING_KEY  tfy-secret://demo:demo-app:SIGNING_KEY\n",
		`warning: 3 references in the manifests under . use secret group "demo-app"`,
		`Deleted secret group "demo-app"`,
		"API key:     (set) from ",
		"Key check:   valid",
		"Demo finished",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the demo's output lacks %q:\n%s", want, text)
		}
	}
	// Its values are 48 hex digits from /dev/urandom; ids are base32.
	if v := regexp.MustCompile(`[0-9a-f]{48}`).FindString(text); v != "" {
		t.Errorf("the demo printed something shaped like one of its secret values:\n%s", text)
	}
	// The emulator it started is gone and so are its files.
	_, rest, ok := strings.Cut(text, "tfy-emulator listening on ")
	if !ok {
		t.Fatalf("no emulator line:\n%s", text)
	}
	url, _, _ := strings.Cut(rest, "\n")
	if resp, err := http.Get(url + "/api/svc/v1/min-cli-version"); err == nil {
		resp.Body.Close()
		t.Errorf("the demo's emulator at %s still answers", url)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the demo left %d entries in TMPDIR, e.g. %s", len(left), left[0].Name())
	}
}
