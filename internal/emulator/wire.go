package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/tfy-secrets/tfy-secrets/internal/secret"
)

// httpError is every error the emulator answers with, rendered as
// TrueFoundry's HttpError body {"statusCode":N,"message":"...","details"?:[...]}.
type httpError struct {
	status  int
	message string
	details []errorDetail
}

// errorDetail is one element of an HttpError's details: the schema allows
// any objects there; the emulator uses them for a refused apply, one per
// unresolvable reference.
type errorDetail struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

func (e *httpError) Error() string { return fmt.Sprintf("%d %s", e.status, e.message) }

func errorf(status int, format string, args ...any) error {
	return &httpError{status: status, message: fmt.Sprintf(format, args...)}
}

// missingFields is the one message the API gives for absent required fields.
var missingFields = errorf(422, "Missing required fields")

// maxBody bounds request bodies. The largest legitimate body is a group of
// 1,000 keys with values at the biggest store limit.
const maxBody = 96 << 20

// decodeBody decodes a JSON request body into v. Unknown fields are ignored,
// as the real API does for callers that send extras. An empty body decodes as
// {} when allowEmpty. Errors say where the body broke, never what it held:
// encoding/json's own messages quote the offending character, which could be
// part of a secret value.
func decodeBody(body []byte, v any, allowEmpty bool) error {
	if len(bytes.TrimSpace(body)) == 0 {
		if allowEmpty {
			return nil
		}
		return errorf(400, "Request body is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return errorf(400, "Invalid JSON body: %s", describeJSONError(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errorf(400, "Invalid JSON body: unexpected data after the JSON value")
	}
	return nil
}

// describeJSONError turns a decoding error into text that names the place
// and the expected type but no input bytes.
func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn) && syn.Offset > 0 && strings.Contains(syn.Error(), "unexpected end"):
		return "the JSON value is cut short"
	case errors.As(err, &syn):
		return fmt.Sprintf("syntax error at byte offset %d", syn.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "the top-level value"
		} else {
			field = "field '" + field + "'"
		}
		return fmt.Sprintf("%s must be %s, got a JSON %s", field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "the JSON value is cut short"
	}
	return "not a JSON value of the expected shape"
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	case "int", "int64":
		return "an integer"
	case "float64":
		return "a number"
	}
	return "of another type"
}

// wireValue decodes a secret value straight into a secret.Value, so the
// request structs never hold a printable value.
type wireValue struct{ v *secret.Value }

func (w *wireValue) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		// The decoder adds the field path to this error; the value's
		// bytes stay out of it.
		return &json.UnmarshalTypeError{Value: jsonValueKind(b), Type: reflect.TypeFor[string]()}
	}
	v := secret.FromString(s)
	w.v = &v
	return nil
}

// jsonValueKind names the kind of a raw JSON value by its first byte.
func jsonValueKind(b []byte) string {
	switch {
	case len(b) == 0:
		return "nothing"
	case b[0] == '{':
		return "object"
	case b[0] == '[':
		return "array"
	case b[0] == 't' || b[0] == 'f':
		return "bool"
	}
	return "number"
}

// secretInput is one element of "secrets" in create and update bodies.
type secretInput struct {
	Key   *string   `json:"key"`
	Value wireValue `json:"value"`
}

type createGroupBody struct {
	Name          *string        `json:"name"`
	IntegrationID *string        `json:"integrationId"`
	Secrets       *[]secretInput `json:"secrets"`
}

type updateGroupBody struct {
	Secrets *[]secretInput `json:"secrets"`
}

// groupManifest is the snake_case secret-group manifest of PUT
// /secret-groups and PUT /apply.
type groupManifest struct {
	Type           string          `json:"type"`
	Name           string          `json:"name"`
	IntegrationFQN string          `json:"integration_fqn"`
	Collaborators  *[]collaborator `json:"collaborators"`
	OwnedBy        json.RawMessage `json:"ownedBy,omitempty"`
}

type manifestBody struct {
	Manifest *groupManifest `json:"manifest"`
	DryRun   bool           `json:"dryRun"`
}

// listSecretsBody is POST /secrets.
type listSecretsBody struct {
	Limit         *int     `json:"limit"`
	Offset        *int     `json:"offset"`
	SecretFqns    []string `json:"secretFqns"`
	SecretGroupID *string  `json:"secretGroupId"`
	WithValue     bool     `json:"withValue"`
}

// page is a validated limit/offset pair.
type page struct{ limit, offset int }

const defaultLimit, maxLimit = 100, 1000

func newPage(limit, offset *int) (page, error) {
	p := page{limit: defaultLimit}
	if limit != nil {
		if *limit < 1 || *limit > maxLimit {
			return p, errorf(400, "limit must be between 1 and %d", maxLimit)
		}
		p.limit = *limit
	}
	if offset != nil {
		if *offset < 0 {
			return p, errorf(400, "offset must be 0 or more")
		}
		p.offset = *offset
	}
	return p, nil
}

// pageOf parses limit and offset from a query string.
func pageOf(q url.Values) (page, error) {
	var limit, offset *int
	for _, name := range []string{"limit", "offset"} {
		raw, ok := q[name]
		if !ok {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(raw[len(raw)-1]))
		if err != nil {
			return page{}, errorf(400, "%s must be an integer", name)
		}
		if name == "limit" {
			limit = &n
		} else {
			offset = &n
		}
	}
	return newPage(limit, offset)
}

// bounds returns the slice bounds of the page within n items.
func (p page) bounds(n int) (int, int) {
	lo := min(p.offset, n)
	return lo, min(lo+p.limit, n)
}

// boolParam parses an optional true/false query parameter.
func boolParam(q url.Values, name string) (bool, error) {
	raw := q.Get(name)
	if raw == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(raw)
	if err != nil {
		return false, errorf(400, "%s must be true or false", name)
	}
	return b, nil
}

// listParams splits a repeatable, comma-separable query parameter:
// attributes=id,name and attributes=id&attributes=name mean the same.
func listParams(q url.Values, name string) []string {
	var out []string
	for _, raw := range q[name] {
		for _, part := range strings.Split(raw, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// Response shapes. Field names follow truefoundry-api.md section 2.

type pagination struct {
	Total  int `json:"total"`
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
}

type listEnvelope struct {
	Data       any        `json:"data"`
	Pagination pagination `json:"pagination"`
}

type dataEnvelope struct {
	Data any `json:"data"`
}

type subjectJSON struct {
	SubjectID          string `json:"subjectId"`
	SubjectType        string `json:"subjectType"`
	SubjectSlug        string `json:"subjectSlug"`
	SubjectDisplayName string `json:"subjectDisplayName"`
}

type groupManifestJSON struct {
	Type           string         `json:"type"`
	Name           string         `json:"name"`
	IntegrationFQN string         `json:"integration_fqn"`
	Collaborators  []collaborator `json:"collaborators"`
}

type groupJSON struct {
	ID                string            `json:"id,omitempty"`
	Name              string            `json:"name,omitempty"` // left out with OmitGroupName
	FQN               string            `json:"fqn"`
	TenantName        string            `json:"tenantName"`
	IntegrationID     string            `json:"integrationId"`
	AccountID         string            `json:"accountId"`
	Manifest          groupManifestJSON `json:"manifest"`
	AssociatedSecrets []secretJSON      `json:"associatedSecrets"`
	CreatedBy         string            `json:"createdBy"`
	CreatedBySubject  subjectJSON       `json:"createdBySubject"`
	CreatedAt         string            `json:"createdAt"`
	UpdatedAt         string            `json:"updatedAt"`
}

type secretJSON struct {
	ID                     string        `json:"id"`
	FQN                    string        `json:"fqn"`
	Name                   string        `json:"name"`
	SecretGroupID          string        `json:"secretGroupId"`
	Value                  *string       `json:"value,omitempty"`
	CreatedBy              string        `json:"createdBy"`
	CreatedBySubject       *subjectJSON  `json:"createdBySubject,omitempty"`
	CreatedAt              string        `json:"createdAt"`
	UpdatedAt              string        `json:"updatedAt"`
	SecretVersions         []versionJSON `json:"secretVersions,omitempty"`
	ActiveDeploymentsCount *int          `json:"activeDeploymentsCount,omitempty"`
}

type versionJSON struct {
	ID        string `json:"id"`
	FQN       string `json:"fqn"`
	Version   int    `json:"version"`
	SecretID  string `json:"secretId"`
	CreatedAt string `json:"createdAt"`
	UpdatedAt string `json:"updatedAt"`
}

type integrationJSON struct {
	ID                 string            `json:"id"`
	Name               string            `json:"name"`
	FQN                string            `json:"fqn"`
	Type               string            `json:"type"`
	ProviderAccountFQN string            `json:"providerAccountFqn"`
	Manifest           map[string]string `json:"manifest"`
	CreatedAt          string            `json:"createdAt"`
	UpdatedAt          string            `json:"updatedAt"`
}

type accountJSON struct {
	ID           string            `json:"id"`
	Name         string            `json:"name"`
	FQN          string            `json:"fqn"`
	Provider     string            `json:"provider"`
	AccountID    string            `json:"accountId"`
	Manifest     accountManifest   `json:"manifest"`
	Integrations []integrationJSON `json:"integrations"`
	CreatedBy    string            `json:"createdBy"`
	CreatedAt    string            `json:"createdAt"`
	UpdatedAt    string            `json:"updatedAt"`
}

type accountManifest struct {
	Name         string              `json:"name"`
	Type         string              `json:"type"`
	Integrations []map[string]string `json:"integrations"`
}

type applyJSON struct {
	Action           string             `json:"action"`
	ExistingManifest *groupManifestJSON `json:"existingManifest,omitempty"`
	Data             groupJSON          `json:"data"`
}
