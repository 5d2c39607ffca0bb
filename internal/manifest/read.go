package manifest

import (
	"bytes"
	"errors"
	"io"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/tfy-secrets/tfy-secrets/internal/secret"
)

// File is a manifest file that has been read: its TrueFoundry documents and
// every place in them where a secret can live.
type File struct {
	Documents []Document
	Locations []Location

	text *text
	docs []*yaml.Node // every YAML document of the file, TrueFoundry or not
}

// Document is one TrueFoundry document of a file.
type Document struct {
	// Index is the 0-based position among all the file's YAML documents,
	// those skipped included, so it matches what the user counts.
	Index int
	// Kind is the manifest's type (service, job, helm, ...); empty for a
	// legacy servicefoundry.yaml, whose components carry the types.
	Kind   string
	Name   string
	Legacy bool
	Line   int
}

// Location is one place in a document where a secret can live, with what
// the reader made of its value.
type Location struct {
	Document int
	// Kind is the type of the manifest (or legacy component) the value
	// belongs to.
	Kind string
	Path Path
	// Line and Column are 1-based and point at the value's first character
	// (after any anchor or tag); Column counts characters, not bytes. For an
	// empty value they point at its key.
	Line, Column int
	Place        Place
	// Name is what the value is stored under: the env name, the build
	// argument, the Secret key, the auth field, or the name of the {name,
	// value} pair it belongs to. It is empty where the place has none.
	Name string
	// Value is the decoded value; it is not set for a null.
	Value secret.Value
	Null  bool
	// Shared is true when the value's text is an anchor's, reached through an
	// alias or a merge key: the same bytes serve other paths too, so the
	// rewriter refuses to change it through this path.
	Shared bool
	// Ref is what the value is as a reference, in the light of its place.
	Ref RefCheck
	// Plaintext is set when the value is not a reference and looks like a
	// credential.
	Plaintext Assessment

	raw  string     // the value, for comparisons inside this package only
	node *yaml.Node // the value's scalar (its anchor's, through an alias)
}

// Read parses a manifest file's bytes: any number of YAML documents, of
// which those that are not TrueFoundry manifests (no type and name, or a
// Kubernetes object with apiVersion and kind) are skipped. Malformed YAML is
// a *SyntaxError.
func Read(src []byte) (*File, error) {
	if len(src) >= 2 && (src[0] == 0xFF && src[1] == 0xFE || src[0] == 0xFE && src[1] == 0xFF) {
		return nil, &SyntaxError{Line: 1, Column: 1, Problem: "the file is UTF-16; manifests are read as UTF-8"}
	}
	f := &File{text: newText(src)}
	docs, err := decodeAll(src)
	if err != nil {
		return nil, locateError(src, f.text, len(docs), err)
	}
	f.docs = docs
	for i := range docs {
		if !f.readDocument(i) {
			return nil, &SyntaxError{Document: i, Problem: errExcessiveAliasing}
		}
	}
	f.assessAcross()
	return f, nil
}

// decodeAll decodes every document, returning those before the first error
// with it.
func decodeAll(src []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var docs []*yaml.Node
	for {
		n := new(yaml.Node)
		err := dec.Decode(n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return docs, err
		}
		docs = append(docs, n)
	}
}

// walker carries what every location found in one document shares.
type walker struct {
	f      *File
	doc    int
	legacy bool
	// active holds the alias targets and merge sources being walked, so that
	// an anchor whose value refers to itself cannot loop forever.
	active map[*yaml.Node]bool
	// aliased holds the document's anchored nodes that some alias refers
	// to: everything under one is text that more than one path reads.
	aliased map[*yaml.Node]bool
	// budget bounds the steps of the walk. Without aliases each node is
	// visited a few times; aliases of aliases multiply that exponentially
	// (a "billion laughs" file), and a file someone else wrote must not make
	// a check run for minutes. Running out is an error, as it is for the
	// YAML decoder.
	budget   int
	exceeded bool
}

// errExcessiveAliasing is the problem a walk that ran out of budget reports.
const errExcessiveAliasing = "document contains excessive aliasing"

func newWalker(f *File, doc int) *walker {
	w := &walker{f: f, doc: doc, active: map[*yaml.Node]bool{}, aliased: map[*yaml.Node]bool{}, budget: 10000}
	var walk func(*yaml.Node)
	walk = func(n *yaml.Node) {
		w.budget += 10
		if n.Kind == yaml.AliasNode {
			if n.Alias != nil {
				w.aliased[n.Alias] = true
			}
			return
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(f.docs[doc])
	return w
}

// deref follows an alias to its anchor, and says whether the node's text is
// shared: reached through an alias, or anchored and aliased elsewhere. It
// is every walk step's way in, so it spends the budget; past the budget it
// answers nil, which ends the walk everywhere.
func (w *walker) deref(n *yaml.Node) (*yaml.Node, bool) {
	if w.budget--; w.budget < 0 {
		w.exceeded = true
		return nil, false
	}
	d, via := deref(n)
	return d, via || d != nil && w.aliased[d]
}

// readDocument records document i's locations. It returns false when the
// document's aliases would take too long to expand.
func (f *File) readDocument(i int) bool {
	d := f.docs[i]
	if len(d.Content) == 0 || d.Content[0].Kind != yaml.MappingNode {
		return true
	}
	root := d.Content[0]
	w := newWalker(f, i)
	fields := map[string]*yaml.Node{}
	for _, e := range w.entries(root, false) {
		fields[e.key] = e.val
	}
	if fields["apiVersion"] != nil && fields["kind"] != nil {
		return true // a Kubernetes object, not a TrueFoundry manifest
	}
	name := scalarValue(fields["name"])
	kind := scalarValue(fields["type"])
	switch {
	case kind != "" && fields["name"] != nil:
		f.Documents = append(f.Documents, Document{Index: i, Kind: kind, Name: name, Line: root.Line})
		w.app(root, nil, kind)
	case kind == "" && fields["name"] != nil && isSequence(fields["components"]):
		w.legacy = true
		f.Documents = append(f.Documents, Document{Index: i, Name: name, Legacy: true, Line: root.Line})
		w.components(fields["components"], Path{}.Key("components"), false)
	}
	return !w.exceeded
}

// entry is one effective key of a mapping.
type entry struct {
	key     string
	keyNode *yaml.Node
	val     *yaml.Node
	shared  bool
}

// deref follows an alias to its anchor.
func deref(n *yaml.Node) (*yaml.Node, bool) {
	if n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias, true
	}
	return n, false
}

// entries lists a mapping's keys as a YAML merge sees them: its own keys
// (duplicates kept, since each is text a user may need to find), then the
// keys of "<<" merge sources it does not override, earlier sources first.
func (w *walker) entries(n *yaml.Node, shared bool) []entry {
	m, via := w.deref(n)
	if m == nil || m.Kind != yaml.MappingNode || w.active[m] {
		return nil
	}
	shared = shared || via
	var own []entry
	var sources []*yaml.Node
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, _ := deref(m.Content[i])
		if k.Kind != yaml.ScalarNode {
			continue
		}
		if k.Tag == "!!merge" {
			v, _ := deref(m.Content[i+1])
			if v.Kind == yaml.SequenceNode {
				sources = append(sources, v.Content...)
			} else {
				sources = append(sources, v)
			}
			continue
		}
		own = append(own, entry{k.Value, m.Content[i], m.Content[i+1], shared})
		seen[k.Value] = true
	}
	if len(sources) == 0 {
		return own
	}
	w.active[m] = true
	defer delete(w.active, m)
	for _, s := range sources {
		for _, e := range w.entries(s, true) {
			if !seen[e.key] {
				seen[e.key] = true
				own = append(own, e)
			}
		}
	}
	return own
}

func scalarValue(n *yaml.Node) string {
	n, _ = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

func isSequence(n *yaml.Node) bool {
	n, _ = deref(n)
	return n != nil && n.Kind == yaml.SequenceNode
}

// items lists a sequence's entries with whether each was reached through
// an alias.
func (w *walker) items(n *yaml.Node, shared bool) ([]*yaml.Node, bool) {
	s, via := w.deref(n)
	if s == nil || s.Kind != yaml.SequenceNode {
		return nil, false
	}
	return s.Content, shared || via
}

// app walks the fields of an application manifest (or a legacy or
// application-set component) that can hold a secret.
func (w *walker) app(m *yaml.Node, p Path, kind string) {
	for _, e := range w.entries(m, false) {
		at := p.Key(e.key)
		switch e.key {
		case "env":
			w.env(e.val, at, kind, e.shared)
		case "mounts":
			w.mounts(e.val, at, kind, e.shared)
		case "image":
			w.image(e.val, at, kind, e.shared)
		case "worker_config":
			w.worker(e.val, at, kind, e.shared)
		case "values":
			if kind == "helm" {
				w.leaves(e, at, kind, PlaceHelmValues, e.key)
			}
		case "additional_manifests":
			w.kubernetes(e.val, at, kind, e.shared)
		case "kustomize":
			for _, k := range w.entries(e.val, e.shared) {
				if k.key == "additions" {
					w.kubernetes(k.val, at.Key(k.key), kind, k.shared)
				}
			}
		case "spark_conf":
			w.pairs(e.val, at, kind, PlaceSparkConf, e.shared)
		case "volume_browser":
			for _, v := range w.entries(e.val, e.shared) {
				if v.key == "password_secret_fqn" {
					w.emit(v, at.Key(v.key), kind, PlaceSecretFQN, v.key)
				}
			}
		case "components":
			if kind == "application-set" {
				w.components(e.val, at, e.shared)
			}
		}
	}
}

func (w *walker) components(n *yaml.Node, p Path, shared bool) {
	list, shared := w.items(n, shared)
	for i, c := range list {
		kind := ""
		for _, e := range w.entries(c, shared) {
			if e.key == "type" {
				kind = scalarValue(e.val)
			}
		}
		w.app(c, p.Index(i), kind)
	}
}

// env handles both forms: a mapping of names to values, and the legacy list
// of {name, value} pairs.
func (w *walker) env(n *yaml.Node, p Path, kind string, shared bool) {
	place := PlaceEnv
	if w.legacy {
		place = PlaceLegacyEnv
	}
	if list, shared := w.items(n, shared); list != nil {
		for i, item := range list {
			w.pair(item, p.Index(i), kind, place, shared)
		}
		return
	}
	w.pairs(n, p, kind, place, shared)
}

// pairs emits every value of a mapping, named by its key.
func (w *walker) pairs(n *yaml.Node, p Path, kind string, place Place, shared bool) {
	for _, e := range w.entries(n, shared) {
		w.emit(e, p.Key(e.key), kind, place, e.key)
	}
}

// pair emits the value of a {name, value} mapping under its name.
func (w *walker) pair(n *yaml.Node, p Path, kind string, place Place, shared bool) {
	var value *entry
	name := ""
	for _, e := range w.entries(n, shared) {
		switch e.key {
		case "name":
			name = scalarValue(e.val)
		case "value":
			value = &e
		}
	}
	if value != nil {
		w.emit(*value, p.Key("value"), kind, place, name)
	}
}

func (w *walker) mounts(n *yaml.Node, p Path, kind string, shared bool) {
	list, shared := w.items(n, shared)
	for i, m := range list {
		es := w.entries(m, shared)
		typ := ""
		for _, e := range es {
			if e.key == "type" {
				typ = scalarValue(e.val)
			}
		}
		for _, e := range es {
			switch {
			case e.key == "secret_fqn":
				w.emit(e, p.Index(i).Key(e.key), kind, PlaceSecretFQN, e.key)
			case e.key == "data" && typ == "string":
				w.emit(e, p.Index(i).Key(e.key), kind, PlaceStringMount, e.key)
			}
		}
	}
}

func (w *walker) image(n *yaml.Node, p Path, kind string, shared bool) {
	for _, spec := range w.entries(n, shared) {
		if spec.key != "build_spec" {
			continue
		}
		at := p.Key(spec.key)
		for _, e := range w.entries(spec.val, spec.shared) {
			switch e.key {
			case "build_args":
				w.pairs(e.val, at.Key(e.key), kind, PlaceBuildArg, e.shared)
			case "build_secrets":
				list, shared := w.items(e.val, e.shared)
				for i, s := range list {
					var value *entry
					name := ""
					for _, f := range w.entries(s, shared) {
						switch f.key {
						case "id":
							name = scalarValue(f.val)
						case "value":
							value = &f
						}
					}
					if value != nil {
						w.emit(*value, at.Key(e.key).Index(i).Key("value"), kind, PlaceBuildSecret, name)
					}
				}
			}
		}
	}
}

// worker handles an async service's queues: the auth block of any queue
// type (SQS access keys, Kafka SASL, NATS user and password) and the
// connection URLs that can carry a password (AMQP url, NATS nats_url).
func (w *walker) worker(n *yaml.Node, p Path, kind string, shared bool) {
	for _, q := range w.entries(n, shared) {
		if q.key != "input_config" && q.key != "output_config" {
			continue
		}
		at := p.Key(q.key)
		for _, e := range w.entries(q.val, q.shared) {
			switch e.key {
			case "auth":
				w.pairs(e.val, at.Key(e.key), kind, PlaceQueueAuth, e.shared)
			case "url", "nats_url":
				w.emit(e, at.Key(e.key), kind, PlaceQueueAuth, e.key)
			}
		}
	}
}

// kubernetes walks a list of Kubernetes objects and reports the keys of
// every Secret among them.
func (w *walker) kubernetes(n *yaml.Node, p Path, kind string, shared bool) {
	list, shared := w.items(n, shared)
	for i, obj := range list {
		es := w.entries(obj, shared)
		isSecret := false
		for _, e := range es {
			if e.key == "kind" && scalarValue(e.val) == "Secret" {
				isSecret = true
			}
		}
		if !isSecret {
			continue
		}
		for _, e := range es {
			switch e.key {
			case "stringData":
				w.pairs(e.val, p.Index(i).Key(e.key), kind, PlaceSecretStringData, e.shared)
			case "data":
				w.pairs(e.val, p.Index(i).Key(e.key), kind, PlaceSecretData, e.shared)
			}
		}
	}
}

// leaves emits every scalar under n, each named by the nearest mapping key
// (or by the name of the {name, value} pair it is the value of).
func (w *walker) leaves(e entry, p Path, kind string, place Place, name string) {
	d, via := w.deref(e.val)
	if d == nil || w.active[d] {
		return
	}
	shared := e.shared || via
	switch d.Kind {
	case yaml.ScalarNode:
		w.emit(e, p, kind, place, name)
	case yaml.SequenceNode:
		w.active[d] = true
		for i, c := range d.Content {
			w.leaves(entry{val: c, shared: shared}, p.Index(i), kind, place, name)
		}
		delete(w.active, d)
	case yaml.MappingNode:
		es := w.entries(d, shared)
		w.active[d] = true
		pairName := ""
		for _, e := range es {
			if e.key == "name" {
				pairName = scalarValue(e.val)
			}
		}
		for _, e := range es {
			name := e.key
			if e.key == "value" && pairName != "" {
				name = pairName
			}
			w.leaves(e, p.Key(e.key), kind, place, name)
		}
		delete(w.active, d)
	}
}

// emit records the scalar of e as a location; anything but a scalar is not
// a place a secret value can be written.
func (w *walker) emit(e entry, p Path, kind string, place Place, name string) {
	n, via := w.deref(e.val)
	if n == nil || n.Kind != yaml.ScalarNode {
		return
	}
	l := Location{Document: w.doc, Kind: kind, Path: p, Place: place, Name: name, Shared: e.shared || via, node: n}
	at := n
	if n.Tag == "!!null" {
		l.Null = true
		if n.Value == "" && n.Style == 0 && e.keyNode != nil && !l.Shared {
			at = e.keyNode // an empty value has no text of its own
		}
	} else {
		l.raw = n.Value
		l.Value = secret.FromString(n.Value)
		l.Ref = checkRef(place, n.Value)
		if l.Ref.Status == RefNone {
			l.Plaintext = Assess(name, n.Value)
		}
	}
	if off, ok := w.f.text.offset(at.Line, at.Column); ok {
		l.Line, l.Column = w.f.text.position(w.f.text.valueStart(off))
	} else {
		l.Line, l.Column = at.Line, at.Column
	}
	w.f.Locations = append(w.f.Locations, l)
}

// checkRef reads a value as a reference in the light of its place.
func checkRef(place Place, value string) RefCheck {
	if place == PlaceSecretFQN {
		return parseFQN(value)
	}
	c := ParseRef(value)
	if c.Status == RefOK && place.References() == Unresolved {
		c.Status, c.Place = RefNotResolvedHere, place
	}
	return c
}

// assessAcross applies the heuristics that need more than one value: a
// credential repeated inside another value, and an access key id next to
// the secret access key it belongs with.
func (f *File) assessAcross() {
	var creds []int
	for i, l := range f.Locations {
		if l.Plaintext.Whole {
			creds = append(creds, i)
		}
	}
	if len(creds) == 0 {
		return
	}
	for i := range f.Locations {
		l := &f.Locations[i]
		if l.Null || l.Plaintext.Flagged() || l.Ref.Status != RefNone {
			continue
		}
		for _, j := range creds {
			c := f.Locations[j]
			switch {
			case repeats(c.raw, l.raw):
				l.Plaintext = Assessment{Reason: "repeats the credential at " + f.where(c, l.Document)}
			case keyID(l.Name) && secretKey(c.Name) && c.Document == l.Document && samePrefix(c.Path, l.Path):
				l.Plaintext = Assessment{Reason: "access key id next to the flagged secret at " + c.Path.String(), Whole: true}
			default:
				continue
			}
			break
		}
	}
}

func (f *File) where(l Location, doc int) string {
	if l.Document == doc {
		return l.Path.String()
	}
	return l.Path.String() + " of document " + strconv.Itoa(l.Document)
}

func keyID(name string) bool {
	w := nameWords(name)
	return len(w) >= 2 && w[len(w)-2] == "KEY" && w[len(w)-1] == "ID"
}

func secretKey(name string) bool {
	w := nameWords(name)
	return len(w) >= 2 && w[len(w)-1] == "KEY" && sensitiveName(name) != ""
}

func samePrefix(a, b Path) bool { return len(a) == len(b) && a[:len(a)-1].Equal(b[:len(b)-1]) }
