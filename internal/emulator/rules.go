package emulator

import (
	"fmt"
	"regexp"
	"time"
)

// The integration types the emulator starts with.
const (
	TypeAWSSecretsManager = "integration/secret-store/aws/secrets-manager"
	TypeAWSParameterStore = "integration/secret-store/aws/parameter-store"
	TypeAzureVault        = "integration/secret-store/azure/vault"
	TypeGCPGSM            = "integration/secret-store/gcp/gsm"
	typeDockerRegistry    = "integration/docker-registry/aws/ecr"
	secretStorePrefix     = "integration/secret-store/"
)

// softDeleteKind says how a store keeps deleted names around, which decides
// the conflict message a re-creation gets.
type softDeleteKind int

const (
	noSoftDelete softDeleteKind = iota
	azureSoftDelete
	awsRecoveryWindow
)

// storeRules are what a backing store refuses. The regular expression checks
// the character set only; the length bound is checked separately because
// Go's regexp caps repetition counts at 1000 and parameter-store allows 1011.
type storeRules struct {
	short      string // "azure/vault", used in messages
	charset    *regexp.Regexp
	maxKeyLen  int
	rule       string // the rule as users read it in a 422
	maxValue   int    // bytes
	softDelete softDeleteKind
	// defaultRetention mirrors the store's own default: Azure keeps deleted
	// secrets 90 days, AWS Secrets Manager's recovery window is 30 days.
	defaultRetention time.Duration
}

var rulesByType = map[string]*storeRules{
	TypeAzureVault: {
		short: "azure/vault", charset: regexp.MustCompile(`^[0-9A-Za-z-]+$`), maxKeyLen: 127,
		rule: `^[0-9A-Za-z-]{1,127}$`, maxValue: 25600,
		softDelete: azureSoftDelete, defaultRetention: 90 * 24 * time.Hour,
	},
	TypeGCPGSM: {
		short: "gcp/gsm", charset: regexp.MustCompile(`^[A-Za-z0-9_-]+$`), maxKeyLen: 255,
		rule: `^[A-Za-z0-9_-]{1,255}$`, maxValue: 65536,
	},
	TypeAWSSecretsManager: {
		short: "aws/secrets-manager", charset: regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]+$`), maxKeyLen: 512,
		rule: `^[A-Za-z0-9/_+=.@-]{1,512}$`, maxValue: 65536,
		softDelete: awsRecoveryWindow, defaultRetention: 30 * 24 * time.Hour,
	},
	TypeAWSParameterStore: {
		short: "aws/parameter-store", charset: regexp.MustCompile(`^[A-Za-z0-9_.-]+$`), maxKeyLen: 1011,
		rule: `^[A-Za-z0-9_.-]{1,1011}$`, maxValue: 4096,
	},
}

// checkKey returns the 422 for a key the store refuses, or nil.
func (r *storeRules) checkKey(key string) error {
	if len(key) == 0 || len(key) > r.maxKeyLen || !r.charset.MatchString(key) {
		return errorf(422, "Secret key '%s' is not valid for %s: it must match %s", clip(key), r.short, r.rule)
	}
	return nil
}

// checkValue returns the 422 for a value over the store's size limit. It
// names the key and the sizes, never the value.
func (r *storeRules) checkValue(key string, n int) error {
	if n > r.maxValue {
		return errorf(422, "Value of secret '%s' is %d bytes; %s allows at most %d bytes", key, n, r.short, r.maxValue)
	}
	return nil
}

// clip keeps echoed identifiers short so an error message stays one
// readable line whatever a client sent.
func clip(s string) string {
	const max = 64
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	return string(r[:max]) + "..."
}

// softDeleteConflict is the 409 for re-creating a name the store still holds
// as deleted.
func softDeleteConflict(in *integration, key string) error {
	r := rulesByType[in.Type]
	switch r.softDelete {
	case azureSoftDelete:
		if in.PurgeProtection {
			return errorf(409, "Secret %s is already in a deleted state and purge protection is enabled on key vault %s; recover it or use another name until the retention period ends", key, in.Config["key_vault_name"])
		}
		return errorf(409, "Secret %s is already in a deleted state; recover or purge it in key vault %s, or use another name", key, in.Config["key_vault_name"])
	case awsRecoveryWindow:
		return errorf(409, "You can't create secret %s because a secret with this name is already scheduled for deletion; restore it or wait until the recovery window ends", key)
	}
	return fmt.Errorf("soft delete conflict on %s, which has no soft delete", r.short)
}
