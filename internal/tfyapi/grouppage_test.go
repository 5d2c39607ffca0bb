package tfyapi

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// agree decodes body with the walker and with encoding/json (decodePage)
// and fails unless both give the same page or both fail.
func agree(t *testing.T, body []byte) (page[wireGroup], error) {
	t.Helper()
	got, gotErr := decodeGroupPage(bytes.NewReader(body), "list secret groups")
	want, wantErr := decodePage[wireGroup](bytes.NewReader(body), "list secret groups")
	switch {
	case (gotErr == nil) != (wantErr == nil):
		t.Fatalf("%q:\nwalker error:        %v\nencoding/json error: %v", body, gotErr, wantErr)
	case gotErr == nil && !reflect.DeepEqual(got, want):
		t.Fatalf("%q:\nwalker:        %+v\nencoding/json: %+v", body, got, want)
	}
	return got, gotErr
}

// Edge cases of encoding/json's rules that the walker reproduces, each
// checked against encoding/json itself.
var groupPageCases = []string{
	`{"data":[]}`,
	`{"data":[],"pagination":null}`,
	`{"data":[],"pagination":{}}`,
	`{"data":[],"pagination":{"total":3}}`,
	`{"pagination":{"total":"7"},"data":[{}]}`,
	`{"data":[{},{}],"pagination":{"total":2.0}}`,
	`{"data":[` + groupJSON + `],"pagination":{"total":1,"offset":0,"limit":100}}`,
	// Keys match case-insensitively, with Unicode case folding and escapes.
	`{"DATA":[{"ID":"a","Fqn":"t:x","ſecretGroupId":"s","associatedſecrets":[{"ſecretGroupId":"g","\u004bey":"k"}]}]}`,
	`{"d\u0061ta":[{"\u0069d":"a","tenantname":"t"}]}`,
	`{"data":[{"ｉd":"fullwidth is not folded"}]}`,
	// Repeated keys decode into what is already there.
	`{"data":[{"id":"a","fqn":"t:a"}],"data":[{"id":"b"}]}`,
	`{"data":[{"associatedSecrets":[{"id":"1","fqn":"f1"},{"id":"2"},{"id":"3"}],"associatedSecrets":[{"id":"x"}],"associatedSecrets":[{"name":"n"},{"key":"k"}]}]}`,
	`{"data":[{"manifest":{"name":"m","type":"t"},"manifest":{"name":"n"}}]}`,
	`{"data":[{"manifest":{"name":"m"},"manifest":null}]}`,
	`{"data":[{"id":"a"}],"data":[]}`,
	`{"data":[{"id":"a"}],"data":null}`,
	`{"data":[{"id":"a"}],"data":[null]}`,
	`{"data":[null,{"id":"b"}]}`,
	`{"data":[{"associatedSecrets":[{"value":"v1"},{"value":null}],"associatedSecrets":[{"value":"v2"}]}]}`,
	`{"data":[{"associatedSecrets":[{"value":"\u00e9\ud800","secretVersions":[{"version":"2","createdAt":null}]}]}]}`,
	"{\"data\":[{\"associatedSecrets\":[{\"value\":\"\xff\xfe\"}],\"id\":\"\xff\"}]}",
	`{"data":[{"associatedSecrets":null,"secretVersions":7}]}`,
	`{"data":[{"id":7,"name":-1.5e3,"createdAt":"2026-01-02 03:04:05","activeDeploymentsCount":2}]}`,
	`{"data":[{"associatedSecrets":[{"activeDeploymentsCount":"3","secretVersions":[]}]}]}`,
	// Wrong kinds, null where a struct belongs, failing leaves.
	`{"data":{}}`,
	`{"data":"x"}`,
	`{"data":[1]}`,
	`{"data":[[]]}`,
	`{"data":[{"manifest":"m"}]}`,
	`{"data":[{"associatedSecrets":{}}]}`,
	`{"data":[{"associatedSecrets":[{"value":5}]}]}`,
	`{"data":[],"pagination":{"total":{}}}`,
	`{"data":[],"pagination":[]}`,
	`{"data":[{"id":true}]}`,
	`{"data":[{"createdAt":"yesterday"}]}`,
	`{"data":[{"id":{}}],"pagination":{"total":1e400}}`,
	`{"data":[{"id":{}}],"x":]}`,
	`null`,
	`[]`,
	`"data"`,
	`{"pagination":{"total":1}}`,
	`{"data":null}`,
	// Syntax.
	``,
	` `,
	`{`,
	`{"data":[`,
	`{"data":[]`,
	`{"data":[]}}`,
	`{"data":[]} {}`,
	`{"data":[]} `,
	`{"data":[],}`,
	`{"data":[,]}`,
	`{"data" []}`,
	`{data:[]}`,
	`{"data":[],"x":01}`,
	`{"data":[],"x":-}`,
	`{"data":[],"x":1.}`,
	`{"data":[],"x":1e}`,
	`{"data":[],"x":1.5E+10}`,
	`{"data":[],"x":tru}`,
	`{"data":[],"x":nul}`,
	`{"data":[],"x":"\x"}`,
	`{"data":[],"x":"\u12"}`,
	"{\"data\":[],\"x\":\"a\tb\"}",
	"\xef\xbb\xbf{\"data\":[]}",
	"{\"data\":[]}\x00",
	`{"data":[],"x":{"a":[1,{"b":null}],"c":"\"\\\/\b\f\n\r\t"}}`,
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	`{"data":[],"x":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}`,
	`{"data":[],"x":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`,
}

func TestDecodeGroupPageAgrees(t *testing.T) {
	t.Parallel()
	for _, body := range groupPageCases {
		agree(t, []byte(body))
	}
	agree(t, groupPage(0, 50, 120))
}

// The walker's errors say what and where, the way decodePage's do, and
// never quote the body.
func TestDecodeGroupPageErrors(t *testing.T) {
	t.Parallel()
	const value = "canary-grouppage-5f1e9a"
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
		_, err := decodeGroupPage(strings.NewReader(body), "list secret groups")
		if err == nil || !strings.HasPrefix(err.Error(), "decode list secret groups response: ") || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", body, err, want)
			continue
		}
		if strings.Contains(err.Error(), value) {
			t.Errorf("%q: the error quotes the body: %v", body, err)
		}
	}
	_, err := decodeGroupPage(iotest.ErrReader(errors.New("connection reset")), "list secret groups")
	if err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Errorf("read error: %v", err)
	}
}

// FuzzGroupPageMatches holds the walker to encoding/json on any body.
func FuzzGroupPageMatches(f *testing.F) {
	for _, body := range groupPageCases {
		if len(body) < 1000 {
			f.Add([]byte(body))
		}
	}
	f.Add(groupPage(0, 2, 2))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := agree(t, body)
		if err != nil {
			checkDecodeError(t, err, "list secret groups")
			return
		}
		for i := range p.items {
			for _, s := range p.items[i].group().Secrets {
				if s.Value.IsSet() {
					t.Fatal("a listed group's secret carries a value")
				}
			}
		}
	})
}
