package manifest

import (
	"errors"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// p builds a Path from keys and indices.
func p(segs ...any) Path {
	var out Path
	for _, s := range segs {
		switch s := s.(type) {
		case string:
			out = out.Key(s)
		case int:
			out = out.Index(s)
		}
	}
	return out
}

// change is one expected byte-level replacement: old is the scalar's text in
// the input, new its text in the output.
type change struct{ old, new string }

// applyChanges replaces each old text, in order, at its first occurrence
// after the previous one. The result is what the output must be byte for
// byte if the rewriter changed only those scalars.
func applyChanges(t *testing.T, src string, changes []change) string {
	t.Helper()
	var b strings.Builder
	at := 0
	for _, c := range changes {
		i := strings.Index(src[at:], c.old)
		if i < 0 {
			t.Fatalf("expected text %q not found after offset %d", c.old, at)
		}
		b.WriteString(src[at : at+i])
		b.WriteString(c.new)
		at += i + len(c.old)
	}
	b.WriteString(src[at:])
	return b.String()
}

const ref = "tfy-secret://acme:payments-secrets:"

var rewriteCases = []struct {
	fixture string
	edits   []Edit
	changes []change
}{
	{"service.yaml", []Edit{
		{0, p("env", "DB_PASSWORD"), ref + "DB_PASSWORD"},
		{0, p("env", "DATABASE_URL"), ref + "DATABASE_URL"},
		{0, p("env", "STRIPE_API_KEY"), ref + "STRIPE_API_KEY"},
		{2, p("env", "GITHUB_TOKEN"), ref + "GITHUB_TOKEN"},
		{2, p("env", "RECONCILE_TOKEN"), ref + "RECONCILE_TOKEN"},
		{2, p("env", "SETTLEMENT_DSN"), ref + "SETTLEMENT_DSN"},
	}, []change{
		{`"hunter2-Very-Secret"`, `"` + ref + `DB_PASSWORD"`},
		{`postgres://payments:hunter2-Very-Secret@db.internal.acme.example.com:5432/payments`, ref + "DATABASE_URL"},
		{`'sk_live_FAKEfakeFAKEfake0000'`, `'` + ref + `STRIPE_API_KEY'`},
		{`ghp_FAKEfakeFAKEfakeFAKEfakeFAKEfake0000`, ref + "GITHUB_TOKEN"},
		{`tfy-secret://payments-secrets/RECONCILE_TOKEN`, ref + "RECONCILE_TOKEN"},
		{`"mysql://settle:hunter2-Very-Secret@tcp(db.internal:3306)/settle"`, `"` + ref + `SETTLEMENT_DSN"`},
	}},
	{"crlf.yaml", []Edit{
		{0, p("env", "BILLING_DB_PASSWORD"), "tfy-secret://acme:billing:BILLING_DB_PASSWORD"},
		{0, p("env", "BILLING_API_TOKEN"), "tfy-secret://acme:billing:BILLING_API_TOKEN"},
		{0, p("env", "INVOICE_SIGNING_KEY"), "tfy-secret://acme:billing:INVOICE_SIGNING_KEY"},
		{0, p("workspace_fqn"), "acme-cluster:billing-eu"},
	}, []change{
		{`"crlf-Pass-Word-1"`, `"tfy-secret://acme:billing:BILLING_DB_PASSWORD"`},
		{`crlf-Api-Token-Value-2`, `tfy-secret://acme:billing:BILLING_API_TOKEN`},
		{"|\r\n    crlf-signing-line-1\r\n    crlf-signing-line-2", `tfy-secret://acme:billing:INVOICE_SIGNING_KEY`},
		{`acme-cluster:billing`, `acme-cluster:billing-eu`},
	}},
	{"blocks.yaml", []Edit{
		{0, p("env", "TLS_KEY"), "-----BEGIN EC PRIVATE KEY-----\nrotated\n-----END EC PRIVATE KEY-----\n"},
		{0, p("env", "API_SECRET"), "tfy-secret://acme:edge:API_SECRET"},
		{0, p("env", "MOTD"), "Welcome back,\nfriend."},
		{0, p("env", "INDENTED_SECRET"), "tfy-secret://acme:edge:INDENTED_SECRET"},
		{0, p("env", "KEEP_TOKEN"), "tfy-secret://acme:edge:KEEP_TOKEN"},
		{0, p("env", "CAFÉ_API_KEY"), "tfy-secret://acme:edge:CAFE_API_KEY"},
		{0, p("env", "ESCAPED_PASSWORD"), "new \"quoted\"\\\tvalue\n"},
		{0, p("env", "SINGLE_PASSWORD"), "it's-a-Reference"},
		{0, p("env", "MULTILINE_TOKEN"), "tfy-secret://acme:edge:MULTILINE_TOKEN"},
		{0, p("env", "TAB_SECRET"), "tfy-secret://acme:edge:TAB_SECRET"},
		{0, p("mounts", 0, "data"), "upstream app { server app:9000; }"},
	}, []change{
		{"|\n    -----BEGIN EC PRIVATE KEY-----\n    MHcCAQEEIFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEoAoGCCqGSM49\n    -----END EC PRIVATE KEY-----",
			"|\n    -----BEGIN EC PRIVATE KEY-----\n    rotated\n    -----END EC PRIVATE KEY-----"},
		{"|- # rotated 2024-05\n    s3cr3t-Line-One", "tfy-secret://acme:edge:API_SECRET # rotated 2024-05"},
		{">-\n    Welcome to the proxy,\n    have a nice day.", `"Welcome back,\nfriend."`},
		{"|2\n      leading-spaces-Secret", "tfy-secret://acme:edge:INDENTED_SECRET"},
		{"|+\n    keep-Token-Value", "tfy-secret://acme:edge:KEEP_TOKEN"},
		{`"café-Api-Key-Ümlaut-42"`, `"tfy-secret://acme:edge:CAFE_API_KEY"`},
		{`"line\tone \"quoted\" \u00e9\\end"`, `"new \"quoted\"\\\tvalue\n"`},
		{`'it''s-a-Secret'`, `'it''s-a-Reference'`},
		{"first-Part\n    second-Part", "tfy-secret://acme:edge:MULTILINE_TOKEN"},
		{`"tabbed-Value-99"`, `"tfy-secret://acme:edge:TAB_SECRET"`},
		{">-\n      upstream app { server app:8000; }\n      # password=not-a-comment-inside-folded", "upstream app { server app:9000; }"},
	}},
	{"servicefoundry.yaml", []Edit{
		{0, p("components", 0, "env", 1, "value"), "tfy-secret://acme:fraud:MLFOUNDRY_API_KEY"},
		{0, p("components", 1, "env", 0, "value"), "tfy-secret://acme:fraud:WANDB_API_KEY"},
		{0, p("components", 1, "env", 1, "value"), "tfy-secret://acme:fraud:S3_ACCESS_KEY_ID"},
		{0, p("components", 1, "env", 2, "value"), "tfy-secret://acme:fraud:S3_SECRET_ACCESS_KEY"},
	}, []change{
		{`"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJmcmF1ZC1hcGkiLCJ0ZW5hbnROYW1lIjoiYWNtZSJ9.ZmFrZS1zaWduYXR1cmUtZmFrZQ"`, `"tfy-secret://acme:fraud:MLFOUNDRY_API_KEY"`},
		{`'FAKE0wandb1key2for3tests4only5abc'`, `'tfy-secret://acme:fraud:WANDB_API_KEY'`},
		{`AKIAFAKEFAKEFAKE1234`, `tfy-secret://acme:fraud:S3_ACCESS_KEY_ID`},
		{`Fake/Secret+Access/KeyFAKEfake1234567890`, `tfy-secret://acme:fraud:S3_SECRET_ACCESS_KEY`},
	}},
	{"helm.yaml", []Edit{
		{0, p("additional_manifests", 0, "stringData", "replication-password"), "tfy-secret://acme:payments-db:REPLICATION_PASSWORD"},
		{0, p("kustomize", "additions", 0, "stringData", "tls.key"), "tfy-secret://acme:payments-db:TLS_KEY"},
	}, []change{
		{`plain-Replication-Pass-99`, `tfy-secret://acme:payments-db:REPLICATION_PASSWORD`},
		{"|\n          -----BEGIN PRIVATE KEY-----\n          MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7FAKEFAKEFAKE\n          -----END PRIVATE KEY-----", `tfy-secret://acme:payments-db:TLS_KEY`},
	}},
	{"kinds.yaml", []Edit{
		{0, p("env", "OPENAI_API_KEY"), "tfy-secret://acme:ml:OPENAI_API_KEY"},
		{1, p("mounts", 0, "secret_fqn"), "tfy-secret://acme:research:SSH_KEY"},
		{3, p("env", "JUPYTER_TOKEN"), "tfy-secret://acme:research:JUPYTER_TOKEN"},
		{4, p("env", "GIT_TOKEN"), "tfy-secret://acme:research:GIT_TOKEN"},
		{5, p("env", "WAREHOUSE_PASSWORD"), "tfy-secret://acme:warehouse:PASSWORD"},
		{5, p("env", "LAKE_KEY"), "tfy-secret://acme:warehouse:LAKE_KEY"},
	}, []change{
		{`sk-proj-FAKEfakeFAKEfakeFAKEfake00`, `tfy-secret://acme:ml:OPENAI_API_KEY`},
		{`"acme:research:SSH_KEY"`, `"tfy-secret://acme:research:SSH_KEY"`},
		{`"  tfy-secret://acme:research:JUPYTER_TOKEN  "`, `"tfy-secret://acme:research:JUPYTER_TOKEN"`},
		{`TFY-SECRET://acme:research:GIT_TOKEN`, `tfy-secret://acme:research:GIT_TOKEN`},
		{`tfy-secret:/acme:warehouse:PASSWORD`, `tfy-secret://acme:warehouse:PASSWORD`},
		{`"tfy-secret://acme:warehouse:"`, `"tfy-secret://acme:warehouse:LAKE_KEY"`},
	}},
	{"anchors.yaml", []Edit{
		{0, p("components", 1, "env", "QUEUE_TOKEN"), "tfy-secret://acme:shop:QUEUE_TOKEN"},
		{0, p("components", 1, "env", "TAGGED_SECRET"), "tfy-secret://acme:shop:TAGGED_SECRET"},
	}, []change{
		{`queue-Token-Anchored-Unused`, `tfy-secret://acme:shop:QUEUE_TOKEN`},
		{`tagged-Secret-Value`, `tfy-secret://acme:shop:TAGGED_SECRET`},
	}},
}

// TestRewriteGolden rewrites each fixture and checks the output two ways: it
// equals the input with exactly the expected scalar texts replaced (so not
// one other byte moved), and it matches the reviewed golden file.
func TestRewriteGolden(t *testing.T) {
	t.Parallel()
	for _, c := range rewriteCases {
		t.Run(c.fixture, func(t *testing.T) {
			t.Parallel()
			src := readFixture(t, c.fixture)
			f, err := Read(src)
			if err != nil {
				t.Fatal(err)
			}
			out, err := f.Rewrite(c.edits)
			if err != nil {
				t.Fatal(err)
			}
			if want := applyChanges(t, string(src), c.changes); string(out) != want {
				t.Errorf("output differs from the input with only the expected scalars replaced:\n--- got\n%s\n--- want\n%s", out, want)
			}
			golden(t, strings.TrimSuffix(c.fixture, ".yaml")+".rewritten.golden", out)

			g, err := Read(out)
			if err != nil {
				t.Fatalf("the output does not read: %v", err)
			}
			for _, e := range c.edits {
				if got := valueAt(t, g, e.Document, e.Path); got != e.Value {
					t.Errorf("%s reads back as %q, want %q", e.Path, got, e.Value)
				}
			}
		})
	}
}

// valueAt decodes the scalar at path through the public reader's documents.
func valueAt(t *testing.T, f *File, doc int, path Path) string {
	t.Helper()
	tg, err := f.resolve(Edit{Document: doc, Path: path})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return tg.node.Value
}

// TestRewriteKeepsStyles pins the choice of scalar style for a new value,
// one scalar at a time.
func TestRewriteKeepsStyles(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, value, want string
	}{
		{"plain stays plain", "k: old\n", "tfy-secret://t:g:k", "k: tfy-secret://t:g:k\n"},
		{"plain needing quotes", "k: old\n", "a: b # c", "k: \"a: b # c\"\n"},
		{"plain that would read as a number", "k: old\n", "123", "k: \"123\"\n"},
		{"plain that would read as a boolean", "k: old\n", "true", "k: \"true\"\n"},
		{"plain that would read as null", "k: old\n", "~", "k: \"~\"\n"},
		{"plain empty", "k: old\n", "", "k: \"\"\n"},
		{"plain with an indicator first", "k: old\n", "*alias", "k: \"*alias\"\n"},
		{"plain with surrounding spaces", "k: old\n", " x ", "k: \" x \"\n"},
		{"plain keeps its comment", "k: old # note\n", "new", "k: new # note\n"},
		{"plain in a flow mapping", "m: {k: old, j: 1}\n", "a,b", "m: {k: \"a,b\", j: 1}\n"},
		{"double stays double", "k: \"old\"\n", "new", "k: \"new\"\n"},
		{"double escapes", "k: \"old\"\n", "a\"b\\c\nd\te\x01\u2028", "k: \"a\\\"b\\\\c\\nd\\te\\x01\\L\"\n"},
		{"single stays single", "k: 'old'\n", "it's", "k: 'it''s'\n"},
		{"single with a line break becomes double", "k: 'old'\n", "a\nb", "k: \"a\\nb\"\n"},
		{"literal to one line", "k: |\n  old\n  text\nj: 1\n", "new", "k: new\nj: 1\n"},
		{"literal to lines", "k: |\n  old\nj: 1\n", "a\nb\n", "k: |\n  a\n  b\nj: 1\n"},
		{"literal to lines without a final break", "k: |\n  old\nj: 1\n", "a\n\nb", "k: |-\n  a\n\n  b\nj: 1\n"},
		{"literal with two final breaks becomes double", "k: |\n  old\nj: 1\n", "a\n\n", "k: \"a\\n\\n\"\nj: 1\n"},
		{"literal starting with a space becomes double", "k: |\n  old\nj: 1\n", " a\nb\n", "k: \" a\\nb\\n\"\nj: 1\n"},
		{"literal at the end of a file without a final break", "k: |\n  old", "a\nb\n", "k: \"a\\nb\\n\""},
		{"folded to one line", "k: >-\n  old\n  text\n", "new", "k: new\n"},
		{"block in a sequence", "l:\n- |2\n   old\n- x\n", "new", "l:\n- new\n- x\n"},
		{"block with a header comment", "k: |- # note\n  old\n", "a b", "k: a b # note\n"},
		{"block with a header comment and no blank", "k: |#note\n  old\n", "new", "k: new #note\n"},
		{"a root value that would end the document", "---\nold\n", "...", "---\n ...\n"},
		{"a block sequence item's block scalar under its dash", "l:\n-\n>\n  old\n", "123", "l:\n-\n \"123\"\n"},
		{"the same value after the marker", "--- old\n", "...", "--- ...\n"},
		{"anchored and unused keeps its anchor", "k: &a old\n", "new", "k: &a new\n"},
		{"str tag kept", "k: !!str old\n", "new", "k: !!str new\n"},
		{"a value touching its anchor", "k: &a?old\n", "123", "k: &a \"123\"\n"},
		{"a verbatim tag", "k: !<tag:yaml.org,2002:str> old\n", "new", "k: !<tag:yaml.org,2002:str> new\n"},
		{"non-specific tag kept", "k: ! old\n", "new", "k: ! new\n"},
		{"property on its own line", "k: &a\n  old\n", "new", "k: &a\n  new\n"},
		{"document root scalar", "--- old\n", "new", "--- new\n"},
		{"multi-byte text before the value", "ключ: значение\n", "новое", "ключ: новое\n"},
		{"line separator inside a double-quoted value", "k: \"a\u2028b\"\nj: x\n", "new", "k: \"new\"\nj: x\n"},
		{"a number replaced", "k: 8080\n", "tfy-secret://t:g:PORT", "k: tfy-secret://t:g:PORT\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f, err := Read([]byte(c.in))
			if err != nil {
				t.Fatal(err)
			}
			path := p("k")
			switch {
			case strings.HasPrefix(c.in, "m:"):
				path = p("m", "k")
			case strings.HasPrefix(c.in, "l:"):
				path = p("l", 0)
			case strings.HasPrefix(c.in, "---"):
				path = nil
			case strings.HasPrefix(c.in, "ключ"):
				path = p("ключ")
			}
			out, err := f.Rewrite([]Edit{{0, path, c.value}})
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != c.want {
				t.Errorf("got %q, want %q", out, c.want)
			}
		})
	}
}

// TestRewriteRefuses checks every edit the rewriter must not make, with a
// reason that names no value.
func TestRewriteRefuses(t *testing.T) {
	t.Parallel()
	anchors := readFixture(t, "anchors.yaml")
	service := readFixture(t, "service.yaml")
	cases := []struct {
		name   string
		src    []byte
		edits  []Edit
		reason string
	}{
		{"an anchored value that an alias uses", []byte("name: a\ntype: service\nenv:\n  A: &x v\n  B: *x\n  C: *x\n"), []Edit{{0, p("env", "A"), "x"}}, "the value is (or is inside) the anchor &x, which aliases on lines 5, 6 refer to"},
		{"an anchored value inside an anchored mapping", anchors, []Edit{{0, p("components", 0, "env", "SESSION_SECRET"), "x"}}, "the value is (or is inside) the anchor &common_env, which aliases on lines 19 refer to"},
		{"an alias", anchors, []Edit{{0, p("components", 1, "env", "WORKER_SECRET"), "x"}}, "the value is an alias of the anchor &session on line 11"},
		{"a merged key", anchors, []Edit{{0, p("components", 1, "env", "LOG_LEVEL"), "x"}}, "the value comes from another mapping through a merge key (<<)"},
		{"through an alias", []byte("name: a\ntype: service\nbase: &b\n  A: v\nenv: *b\n"), []Edit{{0, p("env", "A"), "x"}}, "the path goes through an alias of the anchor &b on line 3"},
		{"inside an anchored mapping that is merged", anchors, []Edit{{0, p("components", 0, "env", "REDIS_URL"), "x"}}, "the value is (or is inside) the anchor &common_env, which aliases on lines 19 refer to"},
		{"a value with a tag other than !!str", anchors, []Edit{{0, p("components", 1, "env", "NUMBER_SECRET"), "x"}}, "the value has the tag !!int"},
		{"an empty value", service, []Edit{{0, p("env", "OPTIONAL_FLAG"), "x"}}, "the value is empty, so there is no text to replace"},
		{"a mapping", service, []Edit{{0, p("env"), "x"}}, "the value is a mapping or a list, not a single value"},
		{"a missing key", service, []Edit{{0, p("env", "NOPE"), "x"}}, "no such value"},
		{"an index out of range", service, []Edit{{0, p("mounts", 9, "data"), "x"}}, "no such value"},
		{"an index into a mapping", service, []Edit{{0, p("env", 0), "x"}}, "no such value"},
		{"a missing document", service, []Edit{{7, p("env", "DB_PASSWORD"), "x"}}, "the file has no such document"},
		{"a duplicated key", []byte("name: a\ntype: service\nenv:\n  A: 1\n  A: 2\n"), []Edit{{0, p("env", "A"), "x"}}, "the key is defined 2 times (lines 4, 5); remove the duplicates first"},
		{"two edits of one value", service, []Edit{{0, p("env", "DB_PASSWORD"), "x"}, {0, p("env", "DB_PASSWORD"), "y"}}, "two edits change the same value"},
		{"a value that is not UTF-8", service, []Edit{{0, p("env", "DB_PASSWORD"), "\xff"}}, "the new value is not valid UTF-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f, err := Read(c.src)
			if err != nil {
				t.Fatal(err)
			}
			out, err := f.Rewrite(c.edits)
			var ee *EditError
			if !errors.As(err, &ee) {
				t.Fatalf("got %v (output %d bytes), want an *EditError", err, len(out))
			}
			if out != nil {
				t.Error("a refused rewrite returned output")
			}
			if !strings.HasPrefix(ee.Reason, c.reason) {
				t.Errorf("reason %q, want it to start with %q", ee.Reason, c.reason)
			}
			for _, e := range c.edits {
				if v := valueText(c.src, e); v != "" && strings.Contains(err.Error(), v) {
					t.Errorf("the error %q repeats the value", err)
				}
			}
		})
	}
}

// valueText is the decoded text at an edit's path in src, if it is a scalar.
func valueText(src []byte, e Edit) string {
	f, err := Read(src)
	if err != nil {
		return ""
	}
	tg, err := f.resolve(e)
	if err != nil || tg.node.Kind != yaml.ScalarNode {
		return ""
	}
	return tg.node.Value
}

// scalar is one scalar of a parsed file with the path a plain walk of the
// tree gives it.
type scalar struct {
	doc    int
	path   Path
	value  string
	node   *yaml.Node
	isKey  bool
	anchor string
	// shared is set when the scalar or a collection holding it is an
	// anchor some alias refers to: its text serves more than one path.
	shared bool
	// ambiguous is set when a key on the scalar's path is defined twice in
	// its mapping, so the path names more than one value, or is not a
	// scalar (a mapping or an alias as a key), so no path names it.
	ambiguous bool
}

// scalars walks every document's tree without interpreting merges or
// aliases: the independent view the property test compares against.
func scalars(docs []*yaml.Node) []scalar {
	var out []scalar
	aliased := map[*yaml.Node]bool{}
	var find func(n *yaml.Node)
	find = func(n *yaml.Node) {
		if n.Kind == yaml.AliasNode {
			aliased[n.Alias] = true
		}
		for _, c := range n.Content {
			find(c)
		}
	}
	var walk func(doc int, n *yaml.Node, path Path, shared, ambiguous bool)
	walk = func(doc int, n *yaml.Node, path Path, shared, ambiguous bool) {
		shared = shared || aliased[n]
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(doc, c, path, shared, ambiguous)
			}
		case yaml.ScalarNode:
			out = append(out, scalar{doc: doc, path: path, value: n.Value, node: n, anchor: n.Anchor, shared: shared, ambiguous: ambiguous})
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(doc, c, path.Index(i), shared, ambiguous)
			}
		case yaml.MappingNode:
			seen := map[string]int{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				seen[n.Content[i].Value]++
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				out = append(out, scalar{doc: doc, path: path.Key("<key>").Index(i), value: k.Value, node: k, isKey: true})
				// A path can name only a scalar key written out.
				odd := k.Kind != yaml.ScalarNode
				walk(doc, n.Content[i+1], path.Key(k.Value), shared, ambiguous || odd || seen[k.Value] > 1)
			}
		}
	}
	for i, d := range docs {
		find(d)
		walk(i, d, nil, false, false)
	}
	return out
}

// comments lists the lines of every comment the parser found, sorted. Which node
// yaml/v3 attaches a comment to depends on the styles around it (a foot
// comment after a plain 0 belongs to the scalar, after a quoted "0" to the
// document), so the property compares the comments' text, not their places.
func comments(docs []*yaml.Node) []string {
	var out []string
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		for _, c := range []string{n.HeadComment, n.LineComment, n.FootComment} {
			for _, l := range strings.Split(c, "\n") {
				if l = strings.TrimSpace(l); l != "" {
					out = append(out, l)
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	for _, d := range docs {
		walk(d)
	}
	sort.Strings(out)
	return out
}

var propertyValues = []string{
	"tfy-secret://acme:group:KEY", "plain words", "needs: quoting # here", "multi\nline\n", "multi\nline no end",
	"", "'quote\"both", "123", "true", "ünïcödé ☕", " lead", "tab\tin", "ctl\x00\x1b", "- dash", "a\u0085b",
}

// TestRewriteProperty edits every value scalar of every fixture to each of a
// range of awkward values, one at a time, and checks the result against an
// independent reading: the edited path holds the new value, every other
// scalar and every comment is unchanged, and the bytes before the scalar's
// first character are untouched. Edits the rewriter refuses must be ones it
// documents refusing.
func TestRewriteProperty(t *testing.T) {
	t.Parallel()
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src := readFixture(t, name)
			// The awkward values that take different encodings; the
			// constructs test below runs them all.
			checkRewriteProperty(t, src, []string{propertyValues[0], propertyValues[2], propertyValues[3], propertyValues[4],
				propertyValues[5], propertyValues[7], propertyValues[9], propertyValues[12]})
		})
	}
}

func checkRewriteProperty(t *testing.T, src []byte, values []string) {
	t.Helper()
	f, err := Read(src)
	if err != nil {
		t.Fatal(err)
	}
	before := scalars(f.docs)
	beforeComments := comments(f.docs)
	for _, s := range before {
		if s.isKey || s.ambiguous {
			continue
		}
		for _, v := range values {
			out, err := f.Rewrite([]Edit{{s.doc, s.path, v}})
			if err != nil {
				var ee *EditError
				if !errors.As(err, &ee) {
					t.Fatalf("doc %d %s = %q: %v", s.doc, s.path, v, err)
				}
				if !expectedRefusal(s) {
					t.Fatalf("doc %d %s = %q refused: %v", s.doc, s.path, v, err)
				}
				continue
			}
			if expectedRefusal(s) {
				t.Fatalf("doc %d %s = %q: an edit that must be refused was made\n%s", s.doc, s.path, v, out)
			}
			checkRewritten(t, f, src, out, s, v, before, beforeComments)
		}
	}
}

// expectedRefusal reports whether the rewriter documents refusing an edit of
// s: shared through an anchor, tagged other than !!str, empty, or written
// under a merge key.
func expectedRefusal(s scalar) bool {
	n := s.node
	if s.shared || n.Tag == "!!null" && n.Value == "" && n.Style == 0 || n.Style&yaml.TaggedStyle != 0 && n.Tag != "!!str" {
		return true
	}
	for _, seg := range s.path {
		if !seg.IsIndex && seg.Key == "<<" {
			return true
		}
	}
	return false
}

func checkRewritten(t *testing.T, f *File, src, out []byte, s scalar, v string, before []scalar, beforeComments []string) {
	t.Helper()
	docs, err := decodeAll(out)
	if err != nil {
		t.Fatalf("doc %d %s = %q: the output does not parse: %v\n%s", s.doc, s.path, v, err, out)
	}
	after := scalars(docs)
	if len(after) != len(before) {
		t.Fatalf("doc %d %s = %q: %d scalars before, %d after", s.doc, s.path, v, len(before), len(after))
	}
	for i := range before {
		b, a := before[i], after[i]
		want := b.value
		if b.node == s.node {
			want = v
		}
		if !a.path.Equal(b.path) || a.value != want || a.anchor != b.anchor {
			t.Fatalf("doc %d %s = %q: scalar %d is %s=%q, want %s=%q\n%s", s.doc, s.path, v, i, a.path, a.value, b.path, want, out)
		}
	}
	// The output holds the input's comments, wherever yaml/v3 attaches them.
	got, want := comments(docs), beforeComments
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("doc %d %s = %q: comments %q, want %q\n%s", s.doc, s.path, v, got, want, out)
	}
	start, ok := f.text.offset(s.node.Line, s.node.Column)
	if !ok {
		t.Fatalf("no offset for %s", s.path)
	}
	if string(out[:start]) != string(src[:start]) {
		t.Fatalf("doc %d %s = %q: bytes before the value changed", s.doc, s.path, v)
	}
	// The bytes after the scalar's text are the input's. The span comes
	// from the code under test, but a span too long would have taken a
	// comment or a scalar with it and one too short would leave text that
	// changes a value, and the checks above catch both.
	tg, err := f.resolve(Edit{Document: s.doc, Path: s.path})
	if err != nil {
		t.Fatal(err)
	}
	sp, err := f.text.span(s.node, tg.parentIndent, tg.inFlow)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(out), string(src[sp.end:])) {
		t.Fatalf("doc %d %s = %q: bytes after the value changed", s.doc, s.path, v)
	}
	// Every byte after the next scalar's start is the input's, shifted.
	next := len(src)
	for _, o := range before {
		if o.node == s.node {
			continue
		}
		if at, ok := f.text.offset(o.node.Line, o.node.Column); ok && at > start && at < next {
			next = at
		}
	}
	tail := src[next:]
	if !strings.HasSuffix(string(out), string(tail)) {
		t.Fatalf("doc %d %s = %q: bytes after the value changed", s.doc, s.path, v)
	}
}

// TestRewriteSortsEdits checks that edits given in any order apply once each.
func TestRewriteSortsEdits(t *testing.T) {
	t.Parallel()
	src := readFixture(t, "service.yaml")
	f, err := Read(src)
	if err != nil {
		t.Fatal(err)
	}
	edits := append([]Edit(nil), rewriteCases[0].edits...)
	sort.Slice(edits, func(i, j int) bool { return edits[i].Path.String() > edits[j].Path.String() })
	out, err := f.Rewrite(edits)
	if err != nil {
		t.Fatal(err)
	}
	if want := applyChanges(t, string(src), rewriteCases[0].changes); string(out) != want {
		t.Error("the order of the edits changed the output")
	}
}

// TestRewritePropertyConstructs runs the property check on small documents
// that each hold one awkward YAML construct.
func TestRewritePropertyConstructs(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		"k: [a, b, c]\n",
		"k: {a: [1, 2], b: {c: d}, e: 'f'}\n",
		"k: [a,\n  b,\n  c]\n",
		"k: [a\n  b, c]\n",
		"k: {a: b\n  c, d: e}\n",
		"k: \"a\n  b\"\nj: 1\n",
		"k: 'a\n\n  b'\nj: 1\n",
		"k: \"a\\\n  b\"\nj: 1\n",
		"k: |\n\n  a\nj: 1\n",
		"k: >\n  a\n    b\n  c\nj: 1\n",
		"k: |\n  a\n\n\nj: 1\n",
		"k: |-\n  a\n  \n  b\n",
		"--- |\n  a\n",
		"--- >-\n  a\n  b\n...\n",
		"- |1\n  a\n- b\n",
		"- - |\n    a\n  - b\n",
		"&k a: |2\n   x\nb: y\n",
		"a: !!str |\n  x\nb: y\n",
		"k: # c\n  v\nj: 1\n",
		"? a\n: b\n? c\n: |\n  d\n",
		"a: 1\n...\n---\nb: 2\n",
		"k:\tv\nj:\t'w'\n",
		"k: |+\r\n  a\r\n\r\nj: 1\r\n",
		"k: a\u0085j: b\u2028l: \"c\"\n",
		"- a: |\n    x\n  b: y\n- c: z\n",
		"k:\n- |\n  x\n- y\n",
		"k:\nj: ~\nl: null\n",
		"k: a:b:c\nj: http://x:1/y?q=#f\n",
		"k: a\n  b # c\nj: 1\n",
		"k: a   # c\nj: b\t# d\n",
		"k: >\n  a\n# c\nj: 1\n",
		"k: \"日本語\"\nj: ü\nl: 'é'\n",
		"\ufeffk: v\nj: |\n  w\n",
		"k: |\n  a\n # a less indented comment\nj: 1\n",
		"k:\n  - x\n  -   y\n  - \"z\"\n",
		"k: 'a''b'\nj: \"\\\"\"\n",
		"k: -1\nj: .5\nl: 0x1F\nm: yes\n",
		"k: |2-\n     lead\n   x\nj: 1\n",
		"top:\n  k: |4\n        deep\n  j: 1\n",
		"k: &a v\nj: &b [1, 2]\n",
		"k: v\n\n\n# trailing comment\n",
		"k: v",
		"k: |\n  v",
		"k: \"v\"   ",
		"- [a, {b: c}]\n- d\n",
	} {
		t.Run(strings.ReplaceAll(src, "\n", "⏎"), func(t *testing.T) {
			t.Parallel()
			checkRewriteProperty(t, []byte(src), propertyValues)
		})
	}
}

// TestRewriteFallsBack: after a quoted scalar libyaml rejects a line that
// starts with a tab, so where one follows, a value that cannot be plain is
// written as a plain scalar tagged !!str, and one that cannot be that
// either is refused.
func TestRewriteFallsBack(t *testing.T) {
	t.Parallel()
	f, err := Read([]byte("0\n\t"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.Rewrite([]Edit{{0, nil, "0"}})
	if err != nil || string(out) != " !!str 0\n\t" {
		t.Fatalf("got %q, %v", out, err)
	}
	_, err = f.Rewrite([]Edit{{0, nil, "a: b"}})
	var ee *EditError
	if !errors.As(err, &ee) || ee.Reason != errNoWay {
		t.Fatalf("got %v, want the refusal %q", err, errNoWay)
	}
}

// TestPlainSpan pins where plain scalars end, as libyaml's scanner ends them.
func TestPlainSpan(t *testing.T) {
	t.Parallel()
	cases := []struct{ src, value, text string }{
		{"k: a b  # c\n", "a b", "a b"},
		{"k: a:b c\n", "a:b c", "a:b c"},
		{"k: a#b\n", "a#b", "a#b"},
		{"{k: 0:}", "0:", "0:"},
		{"[a ,b]", "a", "a"},
		{"k: a\n\n  b\n", "a\nb", "a\n\n  b"},
		{"k: a\n  b\n", "a b", "a\n  b"},
		{"k: a\u2028  b\n", "a\u2028b", "a\u2028  b"},
		{"k: a\u2028\u2028  b\n", "a\u2028\u2028b", "a\u2028\u2028  b"},
		{"k: a\r\n\r\n  b\r\n", "a\nb", "a\r\n\r\n  b"},
	}
	for _, c := range cases {
		tx := newText([]byte(c.src))
		at := strings.Index(c.src, c.text)
		inFlow := c.src[0] == '[' || c.src[0] == '{'
		sp, err := tx.plainSpan(at, c.value, inFlow)
		if err != nil || c.src[sp.start:sp.end] != c.text {
			t.Errorf("%q: span %q, %v; want %q", c.src, c.src[sp.start:sp.end], err, c.text)
		}
	}
}
