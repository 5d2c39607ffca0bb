package tfyapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/emulator"
	"github.com/tfy-secrets/tfy-secrets/internal/tfyapi"
)

// envContractForms switches the emulator of every contract test to its
// alternative wire forms (emulator.Options FullIntegrationType and
// OmitGroupName): integrations carry the full type in "type", and groups
// carry no "name", as TrueFoundry's current schema has it. The client reads
// both forms; running the suite in each makes both of its branches run end
// to end.
const envContractForms = "TFY_CONTRACT_EMULATOR_FORMS"

func alternateForms() bool { return os.Getenv(envContractForms) == "alternate" }

// TestContractAlternateForms runs the whole contract suite again, in a
// child process of this test binary, against the alternative forms. In
// that child it checks instead that the forms are in effect, so the second
// run cannot silently test the default again.
func TestContractAlternateForms(t *testing.T) {
	t.Parallel()
	if alternateForms() {
		tg := newTarget(t, emulator.Options{})
		tg.emulatorOnly()
		in := tg.store(emulator.TypeGCPGSM)
		g := tg.createGroup(uniqueName(t), in, tfyapi.SecretInput{Key: "K", Value: tg.value("forms")})
		var raw struct {
			Data map[string]json.RawMessage `json:"data"`
		}
		getJSON(t, tg, "/api/svc/v1/secret-groups/"+g.ID, &raw)
		if _, has := raw.Data["name"]; has || g.Name == "" {
			t.Fatalf("the alternate forms are not in effect: the group has \"name\" (%v), or the client found no name (%q)", has, g.Name)
		}
		var ints struct {
			Data []struct {
				Type string `json:"type"`
			} `json:"data"`
		}
		getJSON(t, tg, "/api/svc/v1/provider-integrations?type=secret-store", &ints)
		if len(ints.Data) == 0 || ints.Data[0].Type == "secret-store" {
			t.Fatalf("the alternate forms are not in effect: integrations %+v", ints.Data)
		}
		return
	}
	if realTenant() {
		t.Skip("the alternate forms are the emulator's; a real tenant has one form")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), exe, "-test.run", "^TestContract", "-test.count=1")
	cmd.Env = append(os.Environ(), envContractForms+"=alternate")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the contract suite against the emulator's alternate wire forms failed: %v\n%s", err, out)
	}
}

func getJSON(t *testing.T, tg *target, path string, out any) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, tg.baseURL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tg.key.Reveal())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// TestContractTenantName asks the host's tenant the way the tfy CLI does.
func TestContractTenantName(t *testing.T) {
	t.Parallel()
	tg := newTarget(t, emulator.Options{})
	name, err := tg.client.TenantName(context.Background())
	if err != nil || name == "" {
		t.Fatalf("TenantName = %q, %v", name, err)
	}
	if tg.emu != nil && name != tg.emu.Tenant() {
		t.Errorf("TenantName = %q, want %q", name, tg.emu.Tenant())
	}
}

// TestContractVersionsAgree: the secrets listing and the secret read give
// one version number for a key, rotated or not (issue 11, item 21). A real
// tenant whose listing reports no versions is held to nothing more than
// not contradicting the read.
func TestContractVersionsAgree(t *testing.T) {
	t.Parallel()
	tg := newTarget(t, emulator.Options{})
	ctx := context.Background()
	g := tg.createGroup(uniqueName(t), tg.store(emulator.TypeGCPGSM),
		tfyapi.SecretInput{Key: "ROTATED", Value: tg.value("r1")}, tfyapi.SecretInput{Key: "KEPT", Value: tg.value("k1")})
	if _, err := tg.client.UpdateGroup(ctx, g.ID, []tfyapi.SecretInput{{Key: "ROTATED", Value: tg.value("r2")}, {Key: "KEPT"}}); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"ROTATED": 2, "KEPT": 1}
	for key, listed := range secretsMatching(t, tg.client, tfyapi.ListSecretsOptions{GroupID: g.ID}) {
		read, err := tg.client.GetSecret(ctx, listed.ID)
		if err != nil {
			t.Fatal(err)
		}
		if tg.emu != nil && (listed.Version != want[key] || read.Version != want[key]) {
			t.Errorf("%s: listed as version %d, read as %d, want %d", key, listed.Version, read.Version, want[key])
		}
		if listed.Version != 0 && read.Version != 0 && listed.Version != read.Version {
			t.Errorf("%s: listed as version %d, read as %d", key, listed.Version, read.Version)
		}
	}
}
