// Package tfyapi is the typed HTTP client for the TrueFoundry secrets API
// (secret groups, secrets, secret-store integrations and apply), as specified
// in truefoundry-api.md. It owns the wire format: request encoding, tolerant
// response decoding, pagination, retries of idempotent calls and the mapping
// of HTTP failures to typed errors (*Error and the Err* sentinels).
//
// It must not decide anything about policy, prompting or presentation, and it
// must never let a secret value escape: values travel only as secret.Value,
// are revealed only into request bodies, and neither request bodies nor
// response bodies that can hold values are ever logged or quoted in errors.
package tfyapi
