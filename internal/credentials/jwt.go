package credentials

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tfy-secrets/tfy-secrets/internal/secret"
)

// ErrNoTenantClaim means the key is a readable JWT without a tenantName.
var ErrNoTenantClaim = errors.New("api key has no tenantName claim")

// maxJWTBytes bounds the token decoded here; TrueFoundry keys are well under
// a kilobyte.
const maxJWTBytes = 16 << 10

// TenantFromKey reads the tenantName claim of a JWT API key, the way the tfy
// CLI does: without verifying the signature, because it only chooses the
// tenant shown in tfy-secret:// references and the server still checks the
// key on every call. Errors never contain any part of the key.
func TenantFromKey(key secret.Value) (string, error) {
	claims, err := keyClaims(key)
	if err != nil {
		return "", err
	}
	raw, ok := claims["tenantName"]
	if !ok || string(raw) == "null" {
		return "", ErrNoTenantClaim
	}
	var tenant string
	if err := json.Unmarshal(raw, &tenant); err != nil {
		return "", fmt.Errorf("api key JWT: tenantName claim is not a string")
	}
	if tenant == "" {
		return "", ErrNoTenantClaim
	}
	if strings.ContainsAny(tenant, ":/ \t\r\n") {
		// It becomes part of tfy-secret://tenant:group:key; a separator in
		// it would change what the reference points at.
		return "", fmt.Errorf("api key JWT: tenantName claim has a character not allowed in a tenant name")
	}
	return tenant, nil
}

// maxUserBytes bounds the user name shown by auth status.
const maxUserBytes = 256

// UserFromKey is who a JWT API key belongs to: its username claim, else its
// email claim, as the tfy CLI reads them (unverified: it is only shown, the
// server still checks the key). It is "" when the key is not a JWT, names
// nobody, or names someone in a form that cannot be shown on one line.
func UserFromKey(key secret.Value) string {
	claims, err := keyClaims(key)
	if err != nil {
		return ""
	}
	for _, name := range []string{"username", "email"} {
		var user string
		if raw, ok := claims[name]; !ok || json.Unmarshal(raw, &user) != nil || user == "" {
			continue
		}
		if len(user) > maxUserBytes || !utf8.ValidString(user) || strings.ContainsFunc(user, func(r rune) bool {
			return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r)
		}) {
			return ""
		}
		return user
	}
	return ""
}

// keyClaims decodes a JWT key's payload. Errors never contain any part of
// the key.
func keyClaims(key secret.Value) (map[string]json.RawMessage, error) {
	tok := key.Reveal()
	if len(tok) > maxJWTBytes {
		return nil, fmt.Errorf("api key is not a JWT: longer than %d bytes", maxJWTBytes)
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("api key is not a JWT: %d dot-separated parts, want 3", len(parts))
	}
	payload, err := decodeSegment(parts[1])
	if err != nil {
		return nil, fmt.Errorf("api key is not a JWT: payload is not base64url")
	}
	var claims map[string]json.RawMessage
	if err := json.Unmarshal(payload, &claims); err != nil || claims == nil {
		return nil, fmt.Errorf("api key is not a JWT: payload is not a JSON object")
	}
	return claims, nil
}

// decodeSegment accepts base64url with or without padding, as issuers differ.
func decodeSegment(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}
