package credentials

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tfy-secrets/tfy-secrets/internal/secret"
)

// maxFileBytes bounds the JSON files read here; real ones are a few hundred
// bytes.
const maxFileBytes = 1 << 20

// loginConfig is our own non-secret file, written at login: it remembers
// which host the keyring entry belongs to. It never holds a key.
type loginConfig struct {
	Host string `json:"host"`
}

// tfyCredentials is ~/.truefoundry/credentials.json as `tfy login` writes
// it. We only read it.
type tfyCredentials struct {
	AccessToken secret.Value
	Host        string
}

// parseLoginConfig decodes the login config. Errors describe the problem
// without quoting the file.
func parseLoginConfig(data []byte) (loginConfig, error) {
	var c loginConfig
	if err := decodeStrict(data, &c); err != nil {
		return loginConfig{}, err
	}
	return c, nil
}

// parseTFYCredentials decodes credentials.json. Unknown fields are allowed
// (the Python CLI may add some); the token lands in a secret.Value at once.
func parseTFYCredentials(data []byte) (tfyCredentials, error) {
	var raw struct {
		AccessToken *string `json:"access_token"`
		Host        *string `json:"host"`
	}
	if err := decodeJSON(data, &raw, false); err != nil {
		return tfyCredentials{}, err
	}
	var c tfyCredentials
	if raw.AccessToken != nil && *raw.AccessToken != "" {
		c.AccessToken = secret.FromString(*raw.AccessToken)
	}
	if raw.Host != nil {
		c.Host = *raw.Host
	}
	return c, nil
}

func decodeStrict(data []byte, v any) error { return decodeJSON(data, v, true) }

// decodeJSON decodes exactly one JSON object. encoding/json's own messages
// can quote a character of the input, and the input may hold a token, so
// they are replaced by ones that give only a position or a field name.
func decodeJSON(data []byte, v any, strict bool) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if strict {
		dec.DisallowUnknownFields()
	}
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
			return errors.New("not valid JSON: more than one value")
		}
		return nil
	}
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return fmt.Errorf("not valid JSON (at byte %d)", se.Offset)
	}
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		if te.Field == "" {
			return fmt.Errorf("not a JSON object (found %s)", te.Value)
		}
		return fmt.Errorf("field %q should be a %s, found %s", te.Field, te.Type, te.Value)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("not valid JSON: empty or truncated")
	}
	// DisallowUnknownFields reports `json: unknown field "name"`: a field
	// name, not a value.
	return fmt.Errorf("not valid JSON: %w", err)
}

// readSmallFile reads a whole file of at most maxFileBytes. A missing file
// is (nil, nil): every file read here is optional.
func readSmallFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, unwrapPath(err)
	}
	defer func() { _ = f.Close() }()
	data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, unwrapPath(err)
	}
	if len(data) > maxFileBytes {
		return nil, fmt.Errorf("larger than %d bytes", maxFileBytes)
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}

// writeFileAtomic replaces path with data, creating its directory private to
// the user, so a crash never leaves a half-written config.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return unwrapPath(err)
	}
	tmp, err := os.CreateTemp(dir, ".config-*.json")
	if err != nil {
		return unwrapPath(err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return unwrapPath(err)
	}
	if err := tmp.Close(); err != nil {
		return unwrapPath(err)
	}
	return unwrapPath(os.Rename(tmp.Name(), path))
}

// unwrapPath drops *fs.PathError's own path: callers name the file once.
func unwrapPath(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err
	}
	if le, ok := errors.AsType[*os.LinkError](err); ok {
		return le.Err
	}
	return err
}
