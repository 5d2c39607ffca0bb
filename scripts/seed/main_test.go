package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/emulator"
)

func startEmulator(t *testing.T) *emulator.Server {
	t.Helper()
	srv, err := emulator.NewServer(emulator.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	return srv
}

// The seed fills a real emulator with exactly the groups and keys asked for,
// under the names the benchmark's update step relies on (KEY_0000...).
func TestSeedFillsTheEmulator(t *testing.T) {
	t.Parallel()
	srv := startEmulator(t)
	env := map[string]string{"TFY_BASE_URL": srv.URL(), "TFY_API_KEY": srv.APIKey()}
	var stderr strings.Builder
	if err := run([]string{"-groups", "7", "-secrets", "3", "-prefix", "t", "-workers", "2"}, func(k string) string { return env[k] }, &stderr); err != nil {
		t.Fatalf("seed: %v\n%s", err, stderr.String())
	}
	req, err := http.NewRequest(http.MethodGet, srv.URL()+"/api/svc/v1/secret-groups?limit=1000", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+srv.APIKey())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Data []struct {
			Name    string `json:"name"`
			Secrets []struct {
				Name string `json:"name"` // the key, as the API returns it
			} `json:"associatedSecrets"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, g := range list.Data {
		names[g.Name] = true
		keys := map[string]bool{}
		for _, sec := range g.Secrets {
			keys[sec.Name] = true
		}
		if len(keys) != 3 || !keys["KEY_0000"] || !keys["KEY_0002"] {
			t.Errorf("group %s has keys %+v", g.Name, g.Secrets)
		}
	}
	if len(list.Data) != 7 || !names["t-00001"] || !names["t-00007"] {
		t.Fatalf("groups %v", names)
	}
	if got := stderr.String(); got != "seed: 7 groups of 3 keys created\n" {
		t.Fatalf("stderr %q", got)
	}
}

func TestSeedRefusesBadInvocations(t *testing.T) {
	t.Parallel()
	srv := startEmulator(t)
	env := map[string]string{"TFY_BASE_URL": srv.URL(), "TFY_API_KEY": srv.APIKey()}
	getenv := func(k string) string { return env[k] }
	for name, tc := range map[string]struct {
		args   []string
		getenv func(string) string
		want   string
	}{
		"zero groups":    {[]string{"-groups", "0"}, getenv, "at least 1"},
		"zero secrets":   {[]string{"-secrets", "0"}, getenv, "at least 1"},
		"not a number":   {[]string{"-groups", "many"}, getenv, "invalid value"},
		"unknown flag":   {[]string{"-nope"}, getenv, "not defined"},
		"stray argument": {[]string{"extra"}, getenv, `unexpected argument "extra"`},
		"no key":         {nil, func(string) string { return "" }, "TFY_API_KEY"},
		"unknown store":  {[]string{"-store", "integration/secret-store/nowhere"}, getenv, "no integration of type integration/secret-store/nowhere"},
		"rejected key": {nil, func(k string) string {
			if k == "TFY_API_KEY" {
				return "not-a-key"
			}
			return env[k]
		}, "401"},
		"duplicate names": {[]string{"-groups", "1", "-prefix", "dup"}, getenv, ""},
	} {
		t.Run(name, func(t *testing.T) {
			err := run(tc.args, tc.getenv, &strings.Builder{})
			if tc.want == "" {
				// The first run creates dup-00001; a second must fail on
				// the existing name, not silently succeed.
				if err != nil {
					t.Fatalf("first run: %v", err)
				}
				err = run(tc.args, tc.getenv, &strings.Builder{})
				tc.want = "409"
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("run %v: %v, want an error containing %q", tc.args, err, tc.want)
			}
		})
	}
}

func TestPickIntegrationMalformed(t *testing.T) {
	t.Parallel()
	const aws = "integration/secret-store/aws/secrets-manager"
	for in, want := range map[string]string{
		``:                                  "decode integrations",
		`not json`:                          "decode integrations",
		`{"data":"x"}`:                      "decode integrations",
		`{"data":[{"id":7}]}`:               "decode integrations",
		`{"data":[]}`:                       "no integration of type " + aws + " among 0",
		`{"data":[{"type":"` + aws + `"}]}`: "among 1", // no id
		`{"data":[{"id":"a","type":"x"}]}`:  "among 1",
	} {
		if _, err := pickIntegration(strings.NewReader(in), aws); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("pickIntegration(%q): %v, want %q", in, err, want)
		}
	}
	id, err := pickIntegration(strings.NewReader(`{"data":[{"id":"a","type":"x"},{"id":"b","manifest":{"type":"`+aws+`"}}]}`), aws)
	if err != nil || id != "b" {
		t.Fatalf("pickIntegration: %q %v", id, err)
	}
}

func FuzzPickIntegration(f *testing.F) {
	f.Add(`{"data":[{"id":"b","manifest":{"type":"integration/secret-store/aws/secrets-manager"}}]}`)
	f.Add(`{"data":[]}`)
	f.Add(`{"data":null}`)
	f.Add(`[`)
	f.Fuzz(func(t *testing.T, in string) {
		id, err := pickIntegration(strings.NewReader(in), "integration/secret-store/aws/secrets-manager")
		if (err == nil) == (id == "") {
			t.Fatalf("id %q with error %v", id, err)
		}
	})
}
