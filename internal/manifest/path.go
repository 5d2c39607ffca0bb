package manifest

import (
	"strconv"
	"strings"
)

// Path is the YAML path of a value inside its document, in the form the
// check output prints (design section 3): env.DB_PASSWORD,
// mounts[1].secret_fqn, components[0].env[2].value. A key that is not made
// only of letters, digits, '_' and '-' is written quoted in brackets, so
// that a Spark setting or a Helm annotation cannot be misread as nesting:
// spark_conf["spark.hadoop.fs.s3a.secret.key"].
type Path []Segment

// Segment is one step of a Path: a mapping key or a sequence index.
type Segment struct {
	Key   string
	Index int
	// IsIndex tells an index step from a key step, so that the key "0" and
	// the index 0 stay different.
	IsIndex bool
}

// Key returns the path extended by a mapping key. The receiver is never
// modified, so sibling paths can share a prefix safely.
func (p Path) Key(k string) Path { return p.with(Segment{Key: k}) }

// Index returns the path extended by a sequence index.
func (p Path) Index(i int) Path { return p.with(Segment{Index: i, IsIndex: true}) }

func (p Path) with(s Segment) Path {
	out := make(Path, len(p), len(p)+1)
	copy(out, p)
	return append(out, s)
}

// String renders the path as design section 3 prints it.
func (p Path) String() string {
	var b strings.Builder
	for i, s := range p {
		switch {
		case s.IsIndex:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.Index))
			b.WriteByte(']')
		case bareKey(s.Key):
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.Key)
		default:
			b.WriteByte('[')
			b.WriteString(strconv.Quote(s.Key))
			b.WriteByte(']')
		}
	}
	return b.String()
}

// Equal reports whether two paths name the same value.
func (p Path) Equal(o Path) bool {
	if len(p) != len(o) {
		return false
	}
	for i := range p {
		if p[i] != o[i] {
			return false
		}
	}
	return true
}

func bareKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
