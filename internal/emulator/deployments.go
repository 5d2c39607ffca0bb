package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/manifest"
	"github.com/tfy-secrets/tfy-secrets/internal/secret"
)

// deploymentKinds are the deployment manifests of TrueFoundry's apply union
// (the Python SDK's TrueFoundryApplyRequestManifest) that hold env, mounts
// or Kubernetes Secrets, the places truefoundry-manifests.md lists. The
// union's other members (clusters, models, teams, ...) are not emulated.
var deploymentKinds = map[string]bool{
	"service": true, "async-service": true, "job": true, "notebook": true, "ssh-server": true, "rstudio": true,
	"spark-job": true, "helm": true, "volume": true, "workflow": true, "application-set": true,
}

// deploymentKindList names deploymentKinds in messages, in a fixed order.
const deploymentKindList = "service, async-service, job, notebook, ssh-server, rstudio, spark-job, helm, volume, workflow, application-set"

// refScheme is what makes a value a reference to the platform: a value in a
// resolved place that starts with it is resolved, anything else is plain
// text (truefoundry-manifests.md section 1: the whole value must be the
// reference).
const refScheme = "tfy-secret://"

// secretFQNPattern is the schema pattern of SecretMount.secret_fqn and
// VolumeBrowser.password_secret_fqn in TrueFoundry's generated models.
var secretFQNPattern = regexp.MustCompile(`^tfy-secret://.+:.+:.+$`)

// appKey identifies an applied deployment: applying the same type and name
// again replaces it.
type appKey struct{ typ, name string }

// applied is a deployment manifest as the emulator keeps it: masked, so no
// value of a place where a secret can live is ever stored or shown.
type applied struct {
	ID        string
	Type      string
	Name      string
	Manifest  json.RawMessage
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// applyDeployment is PUT /apply for a deployment manifest: every reference
// the platform would resolve must resolve, then the manifest is recorded
// (unless dryRun) with its values masked.
func (s *Server) applyDeployment(req *request, typ, name string) (response, error) {
	if name == "" {
		return response{}, missingFields
	}
	var body struct {
		Manifest json.RawMessage `json:"manifest"`
		DryRun   bool            `json:"dryRun"`
	}
	if err := decodeBody(req.body, &body, false); err != nil {
		return response{}, err
	}
	tree, err := decodeTree(body.Manifest)
	if err != nil {
		return response{}, err
	}
	// encoding/json matched "type" and "name" in any case; the platform,
	// and the reader, take only these spellings.
	if tree["type"] != any(typ) || tree["name"] != any(name) {
		return response{}, missingFields
	}
	f, err := manifest.Read(readerInput(tree))
	if err != nil {
		var se *manifest.SyntaxError
		if errors.As(err, &se) {
			return response{}, errorf(422, "Invalid manifest: %s", se.Problem)
		}
		return response{}, errorf(422, "Invalid manifest")
	}
	if len(f.Documents) != 1 {
		// The reader skipped the manifest, so its references went
		// unchecked: a bug here, never an answer to give.
		return response{}, errorf(500, "Internal emulator error")
	}
	mask(tree, f.Locations)
	raw, err := marshalManifest(tree)
	if err != nil {
		return response{}, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if details := s.unresolved(f.Locations); len(details) > 0 {
		return response{}, refusal(details)
	}
	now := s.now()
	k := appKey{typ, name}
	prev := s.st.applied[k]
	res := appliedResponse{Action: "CREATE"}
	rec := &applied{Type: typ, Name: name, Manifest: raw, CreatedBy: req.caller.slug, CreatedAt: now, UpdatedAt: now}
	if prev != nil {
		res.Action, res.ExistingManifest = "UPDATE", prev.Manifest
		rec.ID, rec.CreatedBy, rec.CreatedAt = prev.ID, prev.CreatedBy, prev.CreatedAt
	}
	if body.DryRun {
		res.Data = appliedView(rec)
		return ok(res)
	}
	if rec.ID == "" {
		rec.ID = newID()
	}
	s.st.applied[k] = rec
	if err := s.persist(); err != nil {
		return response{}, err
	}
	res.Data = appliedView(rec)
	return ok(res)
}

// deleteDeployment is POST /delete for a deployment manifest.
func (s *Server) deleteDeployment(typ, name string) (response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := appKey{typ, name}
	if s.st.applied[k] == nil {
		return response{}, errorf(404, "No %s named '%s' has been applied", typ, clip(name))
	}
	delete(s.st.applied, k)
	if err := s.persist(); err != nil {
		return response{}, err
	}
	return ok(struct{}{})
}

// decodeTree decodes a manifest already checked to be a JSON object,
// keeping numbers as written so the stored manifest does not round them.
func decodeTree(raw json.RawMessage) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var tree map[string]any
	if err := dec.Decode(&tree); err != nil {
		return nil, errorf(400, "Invalid JSON body: %s", describeJSONError(err))
	}
	return tree, nil
}

// readerInput renders a decoded manifest as YAML for the manifest reader,
// which finds the places a secret can live. It is a flow mapping written so
// that any JSON reads back as it was: keys are explicit ("? key"), since
// YAML caps implicit keys at 1024 characters; strings are double-quoted with
// every character outside printable ASCII escaped, since YAML refuses some
// that JSON carries raw (DEL, C1 controls); and each entry starts a line, so
// the reader's line and column bookkeeping stays linear. Keys are sorted, so
// locations come in a stable order. The top-level apiVersion and kind are
// left out: with both the reader takes a document for a Kubernetes object
// and skips it, while the platform reads a manifest by its type.
func readerInput(tree map[string]any) []byte {
	var b bytes.Buffer
	writeFlow(&b, tree, true)
	return b.Bytes()
}

func writeFlow(b *bytes.Buffer, v any, top bool) {
	switch v := v.(type) {
	case map[string]any:
		b.WriteByte('{')
		n := 0
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if top && (k == "apiVersion" || k == "kind") {
				continue
			}
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			b.WriteString("\n ? ")
			writeQuoted(b, k)
			b.WriteString(" : ")
			writeFlow(b, v[k], false)
		}
		b.WriteString("\n }")
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("\n ")
			writeFlow(b, e, false)
		}
		b.WriteString("\n ]")
	case string:
		writeQuoted(b, v)
	case json.Number:
		b.WriteString(v.String())
	case bool:
		b.WriteString(strconv.FormatBool(v))
	default: // nil: encoding/json decodes nothing else into an any
		b.WriteString("null")
	}
}

// writeQuoted writes s as a YAML double-quoted scalar.
func writeQuoted(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= 0x20 && r <= 0x7e:
			b.WriteRune(r)
		case r <= 0xffff:
			fmt.Fprintf(b, `\u%04X`, r)
		default:
			fmt.Fprintf(b, `\U%08X`, r)
		}
	}
	b.WriteByte('"')
}

// mask replaces every value the reader found in a place where a secret can
// live by "(set)", references excepted: a plaintext env value may be a
// password, and the emulator never keeps or shows one. Nulls stay null.
func mask(tree map[string]any, locs []manifest.Location) {
	for _, l := range locs {
		if l.Null || strings.HasPrefix(l.Value.Reveal(), refScheme) {
			continue
		}
		setAt(tree, l.Path, secret.Redacted)
	}
}

// setAt replaces the value at p. The reader walked this very tree, so every
// path exists; a step that does not fit changes nothing.
func setAt(node any, p manifest.Path, v string) {
	for i, seg := range p {
		last := i == len(p)-1
		switch n := node.(type) {
		case map[string]any:
			if _, found := n[seg.Key]; seg.IsIndex || !found {
				return
			}
			if last {
				n[seg.Key] = v
				return
			}
			node = n[seg.Key]
		case []any:
			if !seg.IsIndex || seg.Index < 0 || seg.Index >= len(n) {
				return
			}
			if last {
				n[seg.Index] = v
				return
			}
			node = n[seg.Index]
		default:
			return
		}
	}
}

func marshalManifest(tree map[string]any) (json.RawMessage, error) {
	var buf bytes.Buffer
	if err := encodeJSON(&buf, tree); err != nil {
		return nil, errorf(500, "Internal emulator error")
	}
	return json.RawMessage(bytes.TrimRight(buf.Bytes(), "\n")), nil
}

// unresolved lists the references the platform would fail to resolve, in
// the reader's order; callers hold s.mu.
func (s *Server) unresolved(locs []manifest.Location) []errorDetail {
	var out []errorDetail
	for _, l := range locs {
		if l.Place.References() != manifest.Resolved || l.Null {
			continue
		}
		if reason := s.resolve(l.Place, l.Value.Reveal()); reason != "" {
			out = append(out, errorDetail{Path: l.Path.String(), Message: reason})
		}
	}
	return out
}

// resolve says why the value in place would not resolve, or "" when it
// does or is not a reference. The reason never repeats the value: it names
// only what the tenant holds (its name, an existing group, a key differing
// in case), since a value that merely starts with the scheme may still be a
// pasted secret.
func (s *Server) resolve(place manifest.Place, v string) string {
	if place == manifest.PlaceSecretFQN && !secretFQNPattern.MatchString(v) {
		return "must be a secret reference matching " + secretFQNPattern.String()
	}
	rest, isRef := strings.CutPrefix(v, refScheme)
	if !isRef {
		return ""
	}
	parts := strings.Split(rest, ":")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "is not a reference the platform can resolve: expected tfy-secret://<tenant>:<group>:<key>, three non-empty parts separated by ':'"
	}
	if parts[0] != s.st.tenant {
		return fmt.Sprintf("names another tenant; references here must name tenant '%s'", s.st.tenant)
	}
	g := s.st.groupByName[parts[1]]
	if g == nil {
		return fmt.Sprintf("names a secret group that does not exist in tenant '%s'", s.st.tenant)
	}
	if g.secret(parts[2]) != nil {
		return ""
	}
	for _, sec := range g.Secrets {
		if strings.EqualFold(sec.Key, parts[2]) {
			return fmt.Sprintf("names a key that secret group '%s' does not hold; keys are case-sensitive, and '%s' differs only in case", g.Name, sec.Key)
		}
	}
	return fmt.Sprintf("names a key that secret group '%s' does not hold", g.Name)
}

// refusal is the 422 for unresolvable references: an HttpError whose
// message names the first and whose details list each one.
func refusal(details []errorDetail) error {
	first := details[0]
	msg := fmt.Sprintf("Invalid secret reference at %s: %s", clip(first.Path), first.Message)
	if n := len(details) - 1; n > 0 {
		msg += fmt.Sprintf(" (and %d more; see details)", n)
	}
	return &httpError{status: 422, message: msg, details: details}
}

type appliedJSON struct {
	ID        string          `json:"id,omitempty"` // empty in a dry run's preview of a new one
	Type      string          `json:"type"`
	Name      string          `json:"name"`
	Manifest  json.RawMessage `json:"manifest"`
	CreatedBy string          `json:"createdBy"`
	CreatedAt string          `json:"createdAt"`
	UpdatedAt string          `json:"updatedAt"`
}

type appliedResponse struct {
	Action           string          `json:"action"`
	ExistingManifest json.RawMessage `json:"existingManifest,omitempty"`
	Data             appliedJSON     `json:"data"`
}

func appliedView(a *applied) appliedJSON {
	return appliedJSON{ID: a.ID, Type: a.Type, Name: a.Name, Manifest: a.Manifest, CreatedBy: a.CreatedBy,
		CreatedAt: stamp(a.CreatedAt), UpdatedAt: stamp(a.UpdatedAt)}
}

// appliedViews renders every applied deployment, by type then name;
// callers hold s.mu.
func (s *Server) appliedViews() []appliedJSON {
	keys := slices.SortedFunc(maps.Keys(s.st.applied), func(a, b appKey) int {
		if c := strings.Compare(a.typ, b.typ); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	out := make([]appliedJSON, 0, len(keys))
	for _, k := range keys {
		out = append(out, appliedView(s.st.applied[k]))
	}
	return out
}
