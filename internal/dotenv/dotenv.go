// Package dotenv parses .env files the way TrueFoundry's skill script
// tfy-api.sh does: line by line, never through a shell. It is shared by the
// host's --from-dotenv source and by credential resolution's ./.env.
//
// It owns the syntax only. It must never expand variables, run commands or
// interpret escapes, and it must never put a value, or any text of a line it
// could not parse, into an error: a malformed line may well be a pasted
// secret. Errors name the line number and, once it is known to be a valid
// name, the key.
package dotenv

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/tfy-secrets/tfy-secrets/internal/failure"
	"github.com/tfy-secrets/tfy-secrets/internal/secret"
)

// MaxLineBytes bounds one line. Store limits are far below it (Azure Key
// Vault 25 KiB, AWS Secrets Manager 64 KiB); the bound keeps a stray binary
// file from being read into memory whole.
const MaxLineBytes = 1 << 20

// Pair is one KEY=VALUE assignment. Line is 1-based.
type Pair struct {
	Key   string
	Value secret.Value
	Line  int
}

// SyntaxError says which line is malformed and why. It never holds any text
// of the line except a key that passed validation.
type SyntaxError struct {
	Line   int
	Key    string // empty unless the key itself was valid
	Reason string
	// First is, for a key set twice, the line that set it first; zero for
	// every other error.
	First int
}

func (e *SyntaxError) Error() string {
	if e.Key != "" {
		return fmt.Sprintf("line %d: %s: %s", e.Line, e.Key, e.Reason)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
}

// Parse reads a .env document strictly: the first malformed line or
// duplicated key is an error (*SyntaxError). This is the mode for
// --from-dotenv, where the user asked for every pair and a silently skipped
// line would be a secret silently not written.
func Parse(r io.Reader) ([]Pair, error) {
	var pairs []Pair
	seen := map[string]int{}
	err := scan(r, func(p Pair, serr *SyntaxError) error {
		if serr != nil {
			return serr
		}
		if first, ok := seen[p.Key]; ok {
			return &SyntaxError{Line: p.Line, Key: p.Key, Reason: fmt.Sprintf("already set on line %d", first), First: first}
		}
		seen[p.Key] = p.Line
		pairs = append(pairs, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return pairs, nil
}

// ParseLenient reads a .env document the way tfy-api.sh does: malformed lines
// are skipped (and reported in skipped) and a repeated key takes the later
// value, as repeated `export`s would. The error is only for a failed read.
// Credential resolution uses it for ./.env, a file the user did not name and
// which other tools may share.
func ParseLenient(r io.Reader) (pairs []Pair, skipped []*SyntaxError, err error) {
	index := map[string]int{}
	err = scan(r, func(p Pair, serr *SyntaxError) error {
		if serr != nil {
			skipped = append(skipped, serr)
			return nil
		}
		if i, ok := index[p.Key]; ok {
			pairs[i] = p
			return nil
		}
		index[p.Key] = len(pairs)
		pairs = append(pairs, p)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return pairs, skipped, nil
}

// ReadFile parses the file at path strictly (see Parse). Its errors are
// *failure.Error of kind Usage, since the user named the file; they name the
// path and line, never a value.
func ReadFile(path string) ([]Pair, error) {
	f, err := os.Open(path)
	if err != nil {
		if pe, ok := errors.AsType[*fs.PathError](err); ok {
			err = pe.Err
		}
		return nil, failure.Wrap(failure.Usage, err, fmt.Sprintf("read dotenv file %s: %v", path, err))
	}
	defer func() { _ = f.Close() }()
	pairs, err := Parse(f)
	if err != nil {
		return nil, failure.Wrap(failure.Usage, err, fmt.Sprintf("read dotenv file %s: %v", path, err)).
			WithHint("%s", Hint(err))
	}
	return pairs, nil
}

// Hint says how to fix what Parse reported: a key set twice is a choice
// between two lines for the user to make, anything else a line to rewrite.
func Hint(err error) string {
	serr, ok := errors.AsType[*SyntaxError](err)
	switch {
	case !ok:
		return ""
	case serr.First > 0:
		return fmt.Sprintf("each key may be set once: delete line %d or line %d, or rename the key on one of them", serr.First, serr.Line)
	}
	return "each line must be KEY=VALUE, optionally prefixed by `export ` and with the value in one pair of quotes; # starts a comment line"
}

// scan calls fn for every assignment or malformed line, in order, and stops
// at the first error fn returns.
func scan(r io.Reader, fn func(Pair, *SyntaxError) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for n := 1; ; n++ {
		line, tooLong, err := readLine(br)
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read line %d: %w", n, err)
		}
		if errors.Is(err, io.EOF) && line == nil && !tooLong {
			return nil
		}
		if n == 1 {
			// An editor's byte-order mark would otherwise make the first key invalid.
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		var ferr error
		switch {
		case tooLong:
			ferr = fn(Pair{}, &SyntaxError{Line: n, Reason: fmt.Sprintf("line longer than %d bytes", MaxLineBytes)})
		default:
			key, value, reason, skip := parseLine(line)
			switch {
			case skip:
			case reason != "":
				ferr = fn(Pair{}, &SyntaxError{Line: n, Key: key, Reason: reason})
			default:
				ferr = fn(Pair{Key: key, Value: secret.New(value), Line: n}, nil)
			}
		}
		if ferr != nil {
			return ferr
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
	}
}

// readLine returns the next line without its "\n" (or "\r\n"). At the end of
// input it returns io.EOF together with the last unterminated line, if any
// (line is nil when there was none). A line over MaxLineBytes is consumed
// and reported as tooLong.
func readLine(br *bufio.Reader) (line []byte, tooLong bool, err error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf)+len(chunk) > MaxLineBytes+2 {
			tooLong = true
			buf = buf[:0]
		} else if !tooLong {
			buf = append(buf, chunk...)
		}
		switch {
		case err == nil:
			return finishLine(buf, tooLong, nil)
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if !tooLong && len(buf) == 0 {
				return nil, false, io.EOF
			}
			return finishLine(buf, tooLong, io.EOF)
		default:
			return nil, false, err
		}
	}
}

// finishLine applies the exact limit once the line ending is gone (the
// buffer cap above allows for "\r\n").
func finishLine(buf []byte, tooLong bool, err error) ([]byte, bool, error) {
	if tooLong {
		return nil, true, err
	}
	line := trimEOL(buf)
	if len(line) > MaxLineBytes {
		return nil, true, err
	}
	return line, false, err
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	// tfy-api.sh keeps a Windows "\r" in the value; nobody means it, and a
	// key that silently ends in CR would fail in the store instead of here.
	return bytes.TrimSuffix(b, []byte("\r"))
}

// parseLine applies tfy-api.sh's rules to one line. skip means blank or a
// comment; a non-empty reason means malformed. key is returned with a reason
// only when the key itself is valid (so it may be named in the error).
func parseLine(line []byte) (key string, value []byte, reason string, skip bool) {
	trimmed := bytes.TrimLeft(line, " \t\v\f\r")
	if len(trimmed) == 0 || trimmed[0] == '#' {
		return "", nil, "", true
	}
	line = bytes.TrimPrefix(line, []byte("export "))
	eq := bytes.IndexByte(line, '=')
	if eq < 0 {
		return "", nil, "not a KEY=VALUE line", false
	}
	if r := keyProblem(line[:eq]); r != "" {
		return "", nil, r, false
	}
	key, value = string(line[:eq]), line[eq+1:]
	if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
		return key, value[1 : len(value)-1], "", false
	}
	if len(value) > 0 && (value[0] == '"' || value[0] == '\'') {
		return key, nil, "value opens a quote that does not close at the end of the line (multi-line values are not supported)", false
	}
	return key, value, "", false
}

// keyProblem checks ^[A-Za-z_][A-Za-z0-9_]*$ and says what is wrong without
// quoting the text, which might be a value pasted without a key.
func keyProblem(k []byte) string {
	const rule = "; keys match [A-Za-z_][A-Za-z0-9_]*"
	if len(k) == 0 {
		return "missing key before '='"
	}
	if k[0] == ' ' || k[0] == '\t' || k[len(k)-1] == ' ' || k[len(k)-1] == '\t' {
		return "space around the key" + rule
	}
	if k[0] >= '0' && k[0] <= '9' {
		return "key starts with a digit" + rule
	}
	if !IsKey(k) {
		return "key has a character other than a letter, digit or underscore" + rule
	}
	return ""
}

// IsKey reports whether s is a key as .env files and shells name variables:
// a letter or '_', then letters, digits and '_' (ASCII only). The host's
// --from-env names follow the same rule (cmdutil.IsEnvName).
func IsKey[T string | []byte](s T) bool {
	if len(s) == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
