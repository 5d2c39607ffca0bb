// Package handshake holds what the host and the plugin agree on before
// go-plugin takes over: the magic cookie, the protocol version, the
// environment variables the host sets for the plugin, and the descriptor
// that carries the TLS material. It imports nothing, so that the host can
// start the plugin from its first package initialiser (see
// host/launcher/spawn), long before gRPC and go-plugin are initialised.
package handshake

// The go-plugin handshake. Bump ProtocolVersion whenever service.proto
// changes incompatibly, never the cookie.
const (
	ProtocolVersion = 2
	CookieKey       = "TFY_SECRETS_PLUGIN_COOKIE"
	CookieValue     = "5c1e7a0f-tfy-secrets-plugin-b3d94e62"
)

// EnvParentPID names the variable in which the host tells the plugin its
// pid, so the plugin can exit when the host is gone.
const EnvParentPID = "TFY_SECRETS_PLUGIN_PARENT_PID"

// go-plugin's own variables, which its client sets when it starts a plugin
// itself. The host starts the plugin before go-plugin runs, so it sets them;
// plugin's tests hold them to go-plugin's values.
const (
	EnvUnixSocketDir    = "PLUGIN_UNIX_SOCKET_DIR"
	EnvProtocolVersions = "PLUGIN_PROTOCOL_VERSIONS"
)

// TLSFD is the descriptor on which the plugin reads its TLS material: its
// certificate and key and the host's certificate, written once by the host.
const TLSFD = 3
