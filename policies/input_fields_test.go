package policies

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/policies/internal/defaultinput"
	"github.com/tfy-secrets/tfy-secrets/policies/opawasm"
)

// The fields of the policy input, by their JSON path, split by whether the
// default bundle reads them. The default bundle is evaluated on the lean
// document (package defaultinput), which carries only the first list; an
// organisation bundle gets the whole document. Adding a field to
// policydoc.Input fails TestEveryInputFieldIsDecidedForLean until it is put
// in one of the lists; putting it in leanFields fails
// TestLeanDocumentHasLeanFields until defaultinput.Input and setView carry it.
var (
	leanFields = []string{
		"operation", "integration.type",
		"changes.key", "changes.action", "changes.source", "changes.length",
		"secrets.key", "secrets.length",
		"context.dry_run", "context.show_prefix",
	}
	fullOnlyFields = []string{
		"tenant", "group.name", "group.id", "group.fqn",
		"integration.id", "integration.fqn", "integration.provider",
		"secrets.id",
		"context.client", "context.interactive", "context.yes", "context.confirm_name", "context.ci",
	}
)

// inputPaths lists the JSON paths of t's leaves; a slice's element fields
// are under the slice's name.
func inputPaths(t reflect.Type, prefix string) []string {
	var out []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		path := prefix + name
		ft := f.Type
		if ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct {
			out = append(out, inputPaths(ft, path+".")...)
			continue
		}
		out = append(out, path)
	}
	return out
}

// filled is an Input with every leaf set to something other than its zero
// value, and every list holding one element, the literal source included so
// the lean document carries changes[].source.
func filled() policydoc.Input {
	var in policydoc.Input
	fill(reflect.ValueOf(&in).Elem(), "")
	in.Changes[0].Source = policydoc.SourceLiteral
	return in
}

func fill(v reflect.Value, path string) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), path+"."+v.Type().Field(i).Name)
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0), path+"[0]")
	case reflect.String:
		v.SetString("x" + path)
	case reflect.Int:
		v.SetInt(1 << 30)
	case reflect.Bool:
		v.SetBool(true)
	default:
		panic("policy input field of kind " + v.Kind().String() + " at " + path + ": teach fill about it")
	}
}

// leafPaths lists the JSON paths of a decoded document's leaves, as
// inputPaths names them.
func leafPaths(doc any, prefix string, out map[string]bool) {
	switch t := doc.(type) {
	case map[string]any:
		for k, v := range t {
			leafPaths(v, prefix+k+".", out)
		}
	case []any:
		for _, v := range t {
			leafPaths(v, prefix, out)
		}
	default:
		out[strings.TrimSuffix(prefix, ".")] = true
	}
}

func TestEveryInputFieldIsDecidedForLean(t *testing.T) {
	t.Parallel()
	paths := inputPaths(reflect.TypeFor[policydoc.Input](), "")
	for _, p := range paths {
		inLean, inFull := slices.Contains(leanFields, p), slices.Contains(fullOnlyFields, p)
		if inLean == inFull {
			t.Errorf("input field %s must be in exactly one of leanFields (the default bundle reads it) and fullOnlyFields", p)
		}
	}
	for _, p := range slices.Concat(leanFields, fullOnlyFields) {
		if !slices.Contains(paths, p) {
			t.Errorf("%s is listed but policydoc.Input has no such field", p)
		}
	}
}

func TestLeanDocumentHasLeanFields(t *testing.T) {
	t.Parallel()
	var v defaultinput.Input
	setView(&v, filled(), 0)
	var d opawasm.Document
	defaultinput.Write(&d, &v)
	raw, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("lean document %s: %v", raw, err)
	}
	got := map[string]bool{}
	leafPaths(doc, "", got)
	if want := slices.Sorted(slices.Values(leanFields)); !slices.Equal(slices.Sorted(maps.Keys(got)), want) {
		t.Fatalf("lean document carries %v, want %v:\n%s", slices.Sorted(maps.Keys(got)), want, raw)
	}
}

// TestFullDocumentHasEveryField: an organisation bundle sees every field of
// the input, as json.Marshal would write it.
func TestFullDocumentHasEveryField(t *testing.T) {
	t.Parallel()
	checkFull(t, filled())
}
