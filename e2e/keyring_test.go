package e2e

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestKeyringLogin logs in through the OS keyring the way a person would
// (key on stdin, never on the command line) and uses the stored key. It
// needs the private keyring of scripts/with-keyring.sh, which `make test`
// provides.
func TestKeyringLogin(t *testing.T) {
	if os.Getenv("TFY_SECRETS_REQUIRE_KEYRING") != "1" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI must run the e2e tests under scripts/with-keyring.sh")
		}
		t.Skip("run under scripts/with-keyring.sh to use a real keyring")
	}
	t.Parallel()
	e := startEmulator(t)
	u := newUser(t, e)
	delete(u.env, "TFY_API_KEY")

	var outputs []string
	r := u.run("", "group", "list")
	outputs = append(outputs, r.String())
	if r.code != 3 {
		t.Fatalf("without a key: want exit 3\n%v", r)
	}
	r = u.run(e.admin+"\n", "auth", "login", "--with-token")
	outputs = append(outputs, r.String())
	if r.code != 0 {
		t.Fatalf("login: %v", r)
	}
	r = u.must("", "auth", "status", "-o", "json")
	outputs = append(outputs, r.String())
	var st struct {
		Host      string `json:"host"`
		KeySource string `json:"key_source"`
		Key       string `json:"key"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatalf("auth status -o json: %v\n%v", err, r)
	}
	if st.KeySource != "keyring" || st.Key != "(set)" || st.Host != e.url {
		t.Fatalf("auth status after login: %+v", st)
	}
	outputs = append(outputs, u.must("", "group", "list").String())
	outputs = append(outputs, u.must("", "auth", "logout").String())
	r = u.run("", "group", "list")
	outputs = append(outputs, r.String())
	if r.code != 3 {
		t.Fatalf("after logout: want exit 3\n%v", r)
	}
	for _, out := range outputs {
		if strings.Contains(out, e.admin) {
			t.Fatalf("the API key leaked:\n%s", out)
		}
	}
}
