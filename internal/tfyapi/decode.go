package tfyapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/secret"
)

// The wire types below mirror truefoundry-api.md section 2. They are
// deliberately forgiving (section 12): ids may be strings or numbers,
// timestamps may carry fractions or be empty, unknown fields are ignored.
// Errors they return describe the JSON kind, never the text, because the
// same decoder runs over bodies that can carry secret values.

// flexString accepts a JSON string, number or null; ids are opaque and a
// server that numbers them must not break us.
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*s = ""
	case b[0] == '"':
		v, ok := unquote(b)
		if !ok {
			return typeErr("invalid string", stringType)
		}
		*s = flexString(v)
	case b[0] == '-' || (b[0] >= '0' && b[0] <= '9'):
		*s = flexString(b)
	default:
		return typeErr(jsonKind(b), stringType)
	}
	return nil
}

// flexInt accepts a JSON number (integral or not: the API's schema types
// counts and versions as floats), a numeric string or null.
type flexInt struct {
	n     int
	valid bool
}

func (i *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*i = flexInt{}
		return nil
	}
	kind := jsonKind(b)
	if kind == "string" {
		s, ok := unquote(b)
		if !ok {
			return typeErr("invalid string", intType)
		}
		b = []byte(s)
	} else if kind != "number" {
		return typeErr(kind, intType)
	}
	f, err := strconv.ParseFloat(string(b), 64)
	switch {
	case err != nil && kind == "string":
		return typeErr("non-numeric string", intType)
	case err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f > math.MaxInt32 || f < math.MinInt32:
		return typeErr("out-of-range number", intType)
	}
	*i = flexInt{n: int(f), valid: true}
	return nil
}

// wireTime accepts RFC 3339 with or without fractional seconds, a zone-less
// timestamp (read as UTC), an empty string or null.
type wireTime struct{ time.Time }

var zonelessLayouts = []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"}

func (t *wireTime) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		t.Time = time.Time{}
		return nil
	}
	s, ok := unquote(b)
	if !ok {
		return typeErr(jsonKind(b), timeType)
	}
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	if v, err := time.Parse(time.RFC3339Nano, s); err == nil {
		t.Time = v
		return nil
	}
	for _, layout := range zonelessLayouts {
		if v, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			t.Time = v
			return nil
		}
	}
	return typeErr("string not in RFC 3339 form", timeType)
}

// unquote returns the text of a JSON string token. encoding/json has
// already validated the token, so one without escapes is sliced directly;
// that saves a full decoder per field, the bulk of a page's cost.
func unquote(b []byte) (string, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", false
	}
	if bytes.IndexByte(b, '\\') < 0 {
		return string(b[1 : len(b)-1]), true
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return "", false
	}
	return s, true
}

// jsonKind names the kind of a JSON value without quoting it.
func jsonKind(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	default:
		return "number"
	}
}

var (
	stringType = reflect.TypeFor[string]()
	intType    = reflect.TypeFor[int]()
	timeType   = reflect.TypeFor[time.Time]()
)

// typeErr reports a wrong JSON kind as a *json.UnmarshalTypeError, so that
// encoding/json adds the field path for us. got is a kind, never the text.
func typeErr(got string, want reflect.Type) error {
	return &json.UnmarshalTypeError{Value: got, Type: want}
}

type wireManifest struct {
	Name flexString `json:"name"`
	Type flexString `json:"type"`
}

type wireVersion struct {
	ID        flexString `json:"id"`
	FQN       flexString `json:"fqn"`
	Version   flexInt    `json:"version"`
	CreatedAt wireTime   `json:"createdAt"`
	// "value" is deliberately absent: version values are dropped unread.
}

type wireSecret struct {
	ID                     flexString    `json:"id"`
	FQN                    flexString    `json:"fqn"`
	Name                   flexString    `json:"name"`
	Key                    flexString    `json:"key"`
	SecretGroupID          flexString    `json:"secretGroupId"`
	Value                  *string       `json:"value"`
	CreatedAt              wireTime      `json:"createdAt"`
	UpdatedAt              wireTime      `json:"updatedAt"`
	SecretVersions         []wireVersion `json:"secretVersions"`
	ActiveDeploymentsCount flexInt       `json:"activeDeploymentsCount"`
}

type wireGroup struct {
	ID                flexString    `json:"id"`
	Name              flexString    `json:"name"`
	FQN               flexString    `json:"fqn"`
	TenantName        flexString    `json:"tenantName"`
	IntegrationID     flexString    `json:"integrationId"`
	AccountID         flexString    `json:"accountId"`
	Manifest          *wireManifest `json:"manifest"`
	CreatedAt         wireTime      `json:"createdAt"`
	UpdatedAt         wireTime      `json:"updatedAt"`
	AssociatedSecrets []wireSecret  `json:"associatedSecrets"`
}

type wirePagination struct {
	Total  flexInt `json:"total"`
	Offset flexInt `json:"offset"`
	Limit  flexInt `json:"limit"`
}

// lastSegment returns what follows the last ':' of an FQN.
func lastSegment(fqn string) string {
	return fqn[strings.LastIndexByte(fqn, ':')+1:]
}

func (w *wireSecret) secret(withValue bool) Secret {
	s := Secret{
		ID:        string(w.ID),
		FQN:       string(w.FQN),
		Key:       string(w.Name),
		GroupID:   string(w.SecretGroupID),
		CreatedAt: w.CreatedAt.Time,
		UpdatedAt: w.UpdatedAt.Time,
	}
	if s.Key == "" {
		s.Key = string(w.Key)
	}
	if s.Key == "" {
		s.Key = lastSegment(s.FQN)
	}
	if withValue && w.Value != nil {
		s.Value = secret.FromString(*w.Value)
	}
	if w.ActiveDeploymentsCount.valid {
		n := w.ActiveDeploymentsCount.n
		s.ActiveDeployments = &n
	}
	if len(w.SecretVersions) > 0 {
		s.Versions = make([]SecretVersion, len(w.SecretVersions))
		for i, v := range w.SecretVersions {
			s.Versions[i] = SecretVersion{ID: string(v.ID), FQN: string(v.FQN), Version: v.Version.n, CreatedAt: v.CreatedAt.Time}
			s.Version = max(s.Version, v.Version.n)
		}
		if s.Version == 0 {
			// Versions listed without numbers (the SDK's example lists
			// only id and fqn): they are numbered from 1, one per changed
			// value, so their count is the latest.
			s.Version = len(w.SecretVersions)
		}
	}
	return s
}

func (w *wireGroup) group() SecretGroup {
	g := SecretGroup{
		ID:            string(w.ID),
		Name:          string(w.Name),
		FQN:           string(w.FQN),
		TenantName:    string(w.TenantName),
		IntegrationID: string(w.IntegrationID),
		AccountID:     string(w.AccountID),
		CreatedAt:     w.CreatedAt.Time,
		UpdatedAt:     w.UpdatedAt.Time,
	}
	// "name" left the schema in 2026-03 (truefoundry-api.md 2.1).
	if g.Name == "" && w.Manifest != nil {
		g.Name = string(w.Manifest.Name)
	}
	if g.Name == "" {
		g.Name = lastSegment(g.FQN)
	}
	if len(w.AssociatedSecrets) > 0 {
		g.Secrets = make([]Secret, len(w.AssociatedSecrets))
		for i := range w.AssociatedSecrets {
			g.Secrets[i] = w.AssociatedSecrets[i].secret(false)
		}
	}
	return g
}

// decodeErr describes a decoding failure by position and field only: the
// standard messages can quote numbers from the body, and a body may hold
// secret values.
func decodeErr(what string, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return fmt.Errorf("decode %s response: empty body", what)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("decode %s response: body ends early", what)
	case errors.As(err, &syn):
		return fmt.Errorf("decode %s response: malformed JSON at byte %d", what, syn.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(top level)"
		}
		got := typ.Value
		// encoding/json writes "number 12" for some numbers; keep the kind.
		if strings.HasPrefix(got, "number ") {
			got = "number"
		}
		return fmt.Errorf("decode %s response: field %s: got %s, want %s", what, field, got, typ.Type)
	}
	return fmt.Errorf("decode %s response: %w", what, err)
}

// decodeJSON decodes exactly one JSON value from r into v and refuses
// trailing data, which signals a proxy page or a truncated concatenation.
func decodeJSON(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// dataEnvelope is {"data": T}. Data is a pointer so that a missing "data"
// is told apart from an empty one.
type dataEnvelope[T any] struct {
	Data *T `json:"data"`
}

// decodeData decodes {"data": T} and insists on "data".
func decodeData[T any](r io.Reader, what string) (*T, error) {
	var env dataEnvelope[T]
	if err := decodeJSON(r, &env); err != nil {
		return nil, decodeErr(what, err)
	}
	if env.Data == nil {
		return nil, fmt.Errorf("decode %s response: missing \"data\"", what)
	}
	return env.Data, nil
}

// pageEnvelope is {"data": [T...], "pagination": {...}}.
type pageEnvelope[T any] struct {
	Data       *[]T            `json:"data"`
	Pagination *wirePagination `json:"pagination"`
}

// page is one decoded list page.
type page[T any] struct {
	items []T
	total int // -1 when the server did not say
}

func decodePage[T any](r io.Reader, what string) (page[T], error) {
	var env pageEnvelope[T]
	if err := decodeJSON(r, &env); err != nil {
		return page[T]{}, decodeErr(what, err)
	}
	if env.Data == nil {
		return page[T]{}, fmt.Errorf("decode %s response: missing \"data\" array", what)
	}
	p := page[T]{items: *env.Data, total: -1}
	if env.Pagination != nil && env.Pagination.Total.valid {
		p.total = env.Pagination.Total.n
	}
	return p, nil
}

// decodeGroup decodes GET/POST/PUT secret-group responses.
func decodeGroup(r io.Reader, what string) (SecretGroup, error) {
	w, err := decodeData[wireGroup](r, what)
	if err != nil {
		return SecretGroup{}, err
	}
	return w.group(), nil
}

// decodeSecret decodes GET /secrets/{id}, the one body that carries a value.
func decodeSecret(r io.Reader, what string) (Secret, error) {
	w, err := decodeData[wireSecret](r, what)
	if err != nil {
		return Secret{}, err
	}
	return w.secret(true), nil
}

// decodeDeleteCount decodes DELETE /secrets/{id}: a bare number per the SDK,
// or an object from servers that wrap it. An object without a count, or no
// body at all (a 204), still means the one secret was deleted: the status
// already said so.
func decodeDeleteCount(r io.Reader, what string) (int, error) {
	var raw json.RawMessage
	if err := decodeJSON(r, &raw); err != nil {
		if errors.Is(err, io.EOF) {
			return 1, nil
		}
		return 0, decodeErr(what, err)
	}
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var obj struct {
			Data    *json.RawMessage `json:"data"`
			Count   flexInt          `json:"count"`
			Deleted flexInt          `json:"deleted"`
		}
		if err := json.Unmarshal(trimmed, &obj); err != nil {
			return 0, decodeErr(what, err)
		}
		switch {
		case obj.Count.valid:
			return obj.Count.n, nil
		case obj.Deleted.valid:
			return obj.Deleted.n, nil
		case obj.Data != nil:
			var n flexInt
			if json.Unmarshal(*obj.Data, &n) == nil && n.valid {
				return n.n, nil
			}
		}
		return 1, nil
	}
	var n flexInt
	if err := json.Unmarshal(trimmed, &n); err != nil {
		return 0, decodeErr(what, err)
	}
	if !n.valid {
		return 0, fmt.Errorf("decode %s response: null count", what)
	}
	return n.n, nil
}

// errorBody is the API's HttpError; 400 and 404 bodies are untyped, so
// every field is optional.
type errorBody struct {
	Message json.RawMessage `json:"message"`
}

// maxErrorBody bounds how much of an error body is read; messages are short
// and a misbehaving proxy may send megabytes.
const maxErrorBody = 64 << 10

// decodeErrorMessage extracts the server's message from an error body.
// quoteRaw allows falling back to the raw text (trimmed and truncated) when
// the body is not HttpError-shaped; it is false for calls whose bodies can
// carry values.
func decodeErrorMessage(body []byte, quoteRaw bool) string {
	var eb errorBody
	if err := json.Unmarshal(body, &eb); err == nil && len(eb.Message) > 0 {
		var s string
		if json.Unmarshal(eb.Message, &s) == nil {
			return cleanMessage(s)
		}
		// NestJS-style validation errors send a list of messages.
		var list []string
		if json.Unmarshal(eb.Message, &list) == nil {
			return cleanMessage(strings.Join(list, "; "))
		}
	}
	if !quoteRaw {
		return ""
	}
	return cleanMessage(string(body))
}

// maxMessage bounds a message shown to people.
const maxMessage = 300

// cleanMessage makes a server message safe for one terminal line: control
// characters (escape sequences included) become spaces, runs of space
// collapse, and the result is truncated.
func cleanMessage(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\uFFFD' {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxMessage {
		cut := maxMessage
		for cut > 0 && !utf8RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return s
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
