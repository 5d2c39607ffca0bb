package tfyapi

import (
	"errors"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/testkit"
)

func TestDecodeGroupTolerance(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body string
		check      func(SecretGroup) bool
	}{
		{"name field wins", `{"data":{"name":"a","manifest":{"name":"b"},"fqn":"t:c"}}`, func(g SecretGroup) bool { return g.Name == "a" }},
		{"manifest name next", `{"data":{"manifest":{"name":"b"},"fqn":"t:c"}}`, func(g SecretGroup) bool { return g.Name == "b" }},
		{"fqn last segment last", `{"data":{"fqn":"t:c"}}`, func(g SecretGroup) bool { return g.Name == "c" }},
		{"no name at all", `{"data":{"id":"x"}}`, func(g SecretGroup) bool { return g.Name == "" && g.ID == "x" }},
		{"numeric ids", `{"data":{"id":42,"integrationId":7,"associatedSecrets":[{"id":-1,"secretGroupId":42}]}}`, func(g SecretGroup) bool {
			return g.ID == "42" && g.IntegrationID == "7" && g.Secrets[0].ID == "-1" && g.Secrets[0].GroupID == "42"
		}},
		{"unknown fields and nulls", `{"data":{"id":"x","extra":{"deep":[1,2]},"manifest":null,"createdAt":null,"updatedAt":"","associatedSecrets":null}}`, func(g SecretGroup) bool {
			return g.ID == "x" && g.CreatedAt.IsZero() && g.UpdatedAt.IsZero() && g.Secrets == nil
		}},
		{"timestamp without fraction", `{"data":{"createdAt":"2026-01-02T03:04:05Z"}}`, func(g SecretGroup) bool {
			return g.CreatedAt.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
		}},
		{"timestamp with offset and nanos", `{"data":{"createdAt":"2026-01-02T05:04:05.123456789+02:00"}}`, func(g SecretGroup) bool {
			return g.CreatedAt.Equal(time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC))
		}},
		{"zone-less timestamp is UTC", `{"data":{"createdAt":"2026-01-02T03:04:05.5"}}`, func(g SecretGroup) bool {
			return g.CreatedAt.Equal(time.Date(2026, 1, 2, 3, 4, 5, 5e8, time.UTC))
		}},
		{"secret key from key then fqn", `{"data":{"associatedSecrets":[{"key":"A"},{"fqn":"t:g:B"}]}}`, func(g SecretGroup) bool {
			return g.Secrets[0].Key == "A" && g.Secrets[1].Key == "B"
		}},
		{"group secrets drop values", `{"data":{"associatedSecrets":[{"name":"A","value":"leak"}]}}`, func(g SecretGroup) bool {
			return !g.Secrets[0].Value.IsSet()
		}},
	}
	for _, tc := range cases {
		g, err := decodeGroup(strings.NewReader(tc.body), "get secret group")
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !tc.check(g) {
			t.Errorf("%s: got %+v", tc.name, g)
		}
	}
}

func TestDecodeMalformed(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body, want string
	}{
		{"empty", ``, "decode get secret group response: empty body"},
		{"truncated", `{"data":{"id":"x"`, "decode get secret group response: body ends early"},
		{"not json", `<html>502 Bad Gateway</html>`, "decode get secret group response: malformed JSON at byte 1"},
		{"missing data", `{"id":"x"}`, `decode get secret group response: missing "data"`},
		{"null data", `{"data":null}`, `decode get secret group response: missing "data"`},
		{"data is array", `{"data":[]}`, "decode get secret group response: field data: got array, want tfyapi.wireGroup"},
		{"id is object", `{"data":{"id":{}}}`, "decode get secret group response: field data.id: got object, want string"},
		{"bad timestamp", `{"data":{"createdAt":"yesterday"}}`, "decode get secret group response: field data.createdAt: got string not in RFC 3339 form, want time.Time"},
		{"timestamp number", `{"data":{"updatedAt":17}}`, "field data.updatedAt: got number, want time.Time"},
		{"secrets not array", `{"data":{"associatedSecrets":{}}}`, "field data.associatedSecrets: got object, want []tfyapi.wireSecret"},
		{"bad version", `{"data":{"associatedSecrets":[{"secretVersions":[{"version":"two"}]}]}}`, "field data.associatedSecrets.secretVersions.version: got non-numeric string, want int"},
		{"version out of range", `{"data":{"associatedSecrets":[{"secretVersions":[{"version":1e300}]}]}}`, "got out-of-range number, want int"},
		{"trailing data", `{"data":{}} {"data":{}}`, "trailing data after the JSON value"},
		{"top level array", `[1]`, "field (top level): got array"},
	}
	for _, tc := range cases {
		_, err := decodeGroup(strings.NewReader(tc.body), "get secret group")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestDecodeErrorsDoNotQuoteValues feeds value-bearing bodies that are
// malformed around a canary; the errors describe kinds and places only.
func TestDecodeErrorsDoNotQuoteValues(t *testing.T) {
	t.Parallel()
	c := testkit.Canary("canary-v-")
	num := "98765432123456789"
	bodies := []string{
		`{"data":{"value":` + num + `}}`,
		`{"data":{"value":"` + c + `","id":{"x":1}}}`,
		`{"data":{"value":"` + c + `"`,
		`{"data":{"value":"` + c + `",}}`,
		`{"data":{"value":"` + c + `"}} trailing ` + c,
		`{"data":{"value":["` + c + `"]}}`,
		`{"data":{"secretVersions":[{"value":"` + c + `","version":"` + c + `"}]}}`,
		`{"data":{"activeDeploymentsCount":"` + c + `"}}`,
		`{"data":{"createdAt":"` + c + `"}}`,
		`{"data":{"id":` + num + `, "name": ` + num + `, "secretVersions":[{"version":` + num + `e9}]}}`,
	}
	for _, b := range bodies {
		_, err := decodeSecret(strings.NewReader(b), "get secret")
		if err == nil {
			t.Errorf("%s: decoded", b)
			continue
		}
		assertNoLeak(t, []string{c, num}, err.Error())
		for _, err := range []error{
			second(decodePage[wireSecret](strings.NewReader(`{"data":[`+strings.TrimSuffix(strings.TrimPrefix(b, `{"data":`), "}")+`]}`), "list secrets")),
		} {
			if err != nil {
				assertNoLeak(t, []string{c, num}, err.Error())
			}
		}
	}
}

func TestDecodeDeleteCount(t *testing.T) {
	t.Parallel()
	good := map[string]int{
		`1`: 1, ` 2 `: 2, `1.1`: 1, `"3"`: 3, `{}`: 1, `{"count":4}`: 4, `{"deleted":5}`: 5, `{"data":6}`: 6, `{"data":{"x":1}}`: 1, ``: 1,
	}
	for body, want := range good {
		n, err := decodeDeleteCount(strings.NewReader(body), "delete secret")
		if err != nil || n != want {
			t.Errorf("%s: n=%d err=%v, want %d", body, n, err, want)
		}
	}
	bad := map[string]string{
		`null`:          "null count",
		`true`:          "got bool, want int",
		`[1]`:           "got array, want int",
		`"x"`:           "got non-numeric string, want int",
		`{"count":"x"}`: "field count",
		`1 2`:           "trailing data",
	}
	for body, want := range bad {
		_, err := decodeDeleteCount(strings.NewReader(body), "delete secret")
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "decode delete secret response: ") {
			t.Errorf("%q: err = %v, want %q", body, err, want)
		}
	}
}

func TestDecodePageTotals(t *testing.T) {
	t.Parallel()
	cases := map[string]int{
		`{"data":[]}`:                                 -1,
		`{"data":[],"pagination":null}`:               -1,
		`{"data":[],"pagination":{}}`:                 -1,
		`{"data":[],"pagination":{"total":3}}`:        3,
		`{"pagination":{"total":"7"},"data":[{}]}`:    7,
		`{"data":[{},{}],"pagination":{"total":2.0}}`: 2,
	}
	for body, want := range cases {
		p, err := decodePage[wireGroup](strings.NewReader(body), "list secret groups")
		if err != nil || p.total != want {
			t.Errorf("%s: total %d err %v, want %d", body, p.total, err, want)
		}
	}
	for body, want := range map[string]string{
		`{"pagination":{"total":1}}`:            `missing "data" array`,
		`{"data":null}`:                         `missing "data" array`,
		`{"data":{}}`:                           "field data: got object",
		`{"data":[],"pagination":{"total":{}}}`: "field pagination.total: got object, want int",
		`{"data":[1]}`:                          "field data: got number, want tfyapi.wireGroup",
	} {
		_, err := decodePage[wireGroup](strings.NewReader(body), "list secret groups")
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "decode list secret groups response: ") {
			t.Errorf("%s: err = %v, want %q", body, err, want)
		}
	}
}

// A group-list page's errors say what and where, and never quote the body.
func TestDecodeGroupPageErrors(t *testing.T) {
	t.Parallel()
	value := testkit.Canary("canary-grouppage-")
	for body, want := range map[string]string{
		``:                                      "empty body",
		`{"data":[`:                             "body ends early",
		`{"data":[],"x":"` + value:              "body ends early",
		`{"data":[],}`:                          "malformed JSON at byte 12",
		`{"data":[] "` + value + `"}`:           "malformed JSON at byte 12",
		`{"data":[]} x`:                         "trailing data after the JSON value",
		`{"pagination":{"total":1}}`:            `missing "data" array`,
		`{"data":null}`:                         `missing "data" array`,
		`{"data":{}}`:                           "field data: got object, want []tfyapi.wireGroup",
		`{"data":[1]}`:                          "field data: got number, want tfyapi.wireGroup",
		`{"data":[],"pagination":{"total":{}}}`: "field pagination.total: got object, want int",
		`{"data":[{"id":true}]}`:                "field data.id: got bool, want string",
		`{"data":[{"associatedSecrets":[{"value":5}]}]}`:              "field data.associatedSecrets.value: got number, want string",
		`{"data":[{"createdAt":"` + value + `"}]}`:                    "field data.createdAt: got string not in RFC 3339 form, want time.Time",
		`{"data":[{"associatedSecrets":[{"id":["` + value + `"]}]}]}`: "field data.associatedSecrets.id: got array, want string",
	} {
		_, err := decodePage[wireGroup](strings.NewReader(body), "list secret groups")
		if err == nil || !strings.HasPrefix(err.Error(), "decode list secret groups response: ") || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", body, err, want)
			continue
		}
		assertNoLeak(t, []string{value}, err.Error())
	}
	_, err := decodePage[wireGroup](iotest.ErrReader(errors.New("connection reset")), "list secret groups")
	if err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Errorf("read error: %v", err)
	}
}

func TestDecodeErrorMessage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		body     string
		quoteRaw bool
		want     string
	}{
		{`{"statusCode":409,"message":"exists"}`, true, "exists"},
		{`{"message":"line1\nline2\r\n\ttabbed"}`, true, "line1 line2 tabbed"},
		{`{"message":["a","b"]}`, true, "a; b"},
		{`{"message":42}`, true, `{"message":42}`},
		{`{"message":42}`, false, ""},
		{`{"error":"x"}`, false, ""},
		{`gateway timeout`, true, "gateway timeout"},
		{`gateway timeout`, false, ""},
		{"\xff\xfe bad utf8", true, "bad utf8"},
		{``, true, ""},
	}
	for _, tc := range cases {
		if got := decodeErrorMessage([]byte(tc.body), tc.quoteRaw); got != tc.want {
			t.Errorf("decodeErrorMessage(%q, %v) = %q, want %q", tc.body, tc.quoteRaw, got, tc.want)
		}
	}
}

func TestIntegrationConversion(t *testing.T) {
	t.Parallel()
	p, err := decodePage[wireProviderAccount](strings.NewReader(`{"data":[
	 {"name":"acct","provider":"azure","integrations":[
	   {"id":"1","name":"a","type":"secret-store"},
	   {"id":"2","name":"b","type":"integration/secret-store/azure/vault","manifest":{"key_vault_name":"kv","auth_data":{"client_secret":"s"},"region":{"nested":true},"namespace":12}},
	   {"id":"3","name":"c","type":"model","manifest":{"type":"integration/secret-store/hashicorp/vault"}},
	   {"id":"4","name":"d","type":"vcs"}]},
	 {"name":"nop","manifest":{"type":"provider-account/custom"},"integrations":[{"id":"5","type":"integration/secret-store/custom/generic"}]}
	]}`), "list provider accounts")
	if err != nil {
		t.Fatal(err)
	}
	var got []Integration
	for i := range p.items {
		got = append(got, p.items[i].stores()...)
	}
	if len(got) != 4 {
		t.Fatalf("got %d integrations: %+v", len(got), got)
	}
	if got[0].Provider != "azure" || got[0].Type != "" || got[0].AccountName != "acct" {
		t.Errorf("category-only = %+v", got[0])
	}
	if got[1].Config["key_vault_name"] != "kv" || got[1].Config["namespace"] != "12" || len(got[1].Config) != 2 {
		t.Errorf("config = %v", got[1].Config)
	}
	if got[2].Type != "integration/secret-store/hashicorp/vault" {
		t.Errorf("manifest type = %+v", got[2])
	}
	if got[3].Provider != "custom" || got[3].AccountName != "nop" {
		t.Errorf("account manifest provider = %+v", got[3])
	}
}
