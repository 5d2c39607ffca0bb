package render

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"

	"github.com/tfy-secrets/tfy-secrets/plugin"
)

func writeYAML(w io.Writer, doc any) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write yaml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("write yaml: %w", err)
	}
	return nil
}

// yamlRenderer writes the documents of document.go as YAML. yaml.v3 builds
// a node tree of the whole document before it writes a byte, which for
// 10,000 groups took four times the memory of the JSON encoding (156 MiB);
// the documents that grow with the tenant (groups, a group's secrets,
// versions) are written one list item at a time instead, byte for byte
// what the whole-document encoding writes.
type yamlRenderer struct{ docRenderer }

var _ Renderer = yamlRenderer{}

func (yamlRenderer) Groups(w io.Writer, gs []plugin.Group) error {
	return writeYAMLList(w, "groups", toGroupsDoc(gs).Groups)
}

func (yamlRenderer) GroupDetail(w io.Writer, d plugin.GroupDetail) error {
	doc := toGroupDetailDoc(d)
	head := struct {
		Group groupDoc `yaml:"group"`
	}{doc.Group}
	if err := writeYAML(w, head); err != nil {
		return err
	}
	return writeYAMLList(w, "secrets", doc.Secrets)
}

func (yamlRenderer) Versions(w io.Writer, vs []plugin.Version) error {
	return writeYAMLList(w, "versions", toVersionsDoc(vs).Versions)
}

// writeYAMLList writes the mapping {key: items}: key (a plain word, which
// YAML never quotes) on a line of its own, then each item encoded alone as
// a one-element sequence and indented by two spaces, which is where the
// whole-document encoder puts it. Lines inside a block scalar that are
// empty stay empty, as that encoder writes them.
func writeYAMLList[T any](w io.Writer, key string, items []T) error {
	if len(items) == 0 {
		return writeYAML(w, map[string][]T{key: {}})
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(key + ":\n")
	var buf bytes.Buffer
	for i := range items {
		buf.Reset()
		if err := writeYAML(&buf, items[i:i+1]); err != nil {
			return err
		}
		for line := range bytes.Lines(buf.Bytes()) {
			if len(line) > 1 {
				bw.WriteString("  ")
			}
			bw.Write(line)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write yaml: %w", err)
	}
	return nil
}
