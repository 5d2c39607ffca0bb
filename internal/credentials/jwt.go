package credentials

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

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
	tok := key.Reveal()
	if len(tok) > maxJWTBytes {
		return "", fmt.Errorf("api key is not a JWT: longer than %d bytes", maxJWTBytes)
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("api key is not a JWT: %d dot-separated parts, want 3", len(parts))
	}
	payload, err := decodeSegment(parts[1])
	if err != nil {
		return "", fmt.Errorf("api key is not a JWT: payload is not base64url")
	}
	var claims map[string]json.RawMessage
	if err := json.Unmarshal(payload, &claims); err != nil || claims == nil {
		return "", fmt.Errorf("api key is not a JWT: payload is not a JSON object")
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

// decodeSegment accepts base64url with or without padding, as issuers differ.
func decodeSegment(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}
