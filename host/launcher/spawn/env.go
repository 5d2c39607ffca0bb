package spawn

import "strings"

// The plugin gets only the environment it needs: credentials and settings
// (TFY_*), the keyring's bus, locale, proxies, CA bundles, home and temp
// directories. Everything else stays with the host, above all the variables
// a user names with --from-env, so that a value never sits in the plugin's
// /proc/<pid>/environ as well as in the RPC that carries it.
var (
	pluginEnvNames = map[string]bool{
		"HOME": true, "USER": true, "LOGNAME": true, "PATH": true, "TMPDIR": true, "LANG": true, "TZ": true,
		"DBUS_SESSION_BUS_ADDRESS": true, "CI": true, "NO_COLOR": true,
		"HTTPS_PROXY": true, "https_proxy": true, "HTTP_PROXY": true, "http_proxy": true,
		"NO_PROXY": true, "no_proxy": true, "ALL_PROXY": true, "all_proxy": true,
		"SSL_CERT_FILE": true, "SSL_CERT_DIR": true,
		"GODEBUG": true, "GORACE": true, "GOCOVERDIR": true, "GOTRACEBACK": true,
		"SYSTEMROOT": true, "APPDATA": true, "LOCALAPPDATA": true, "USERPROFILE": true,
	}
	pluginEnvPrefixes = []string{"TFY_", "XDG_", "LC_"}
)

// pluginEnv filters environ ("NAME=value" entries) down to what the plugin
// may see.
func pluginEnv(environ []string) []string {
	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if pluginEnvNames[name] || hasAnyPrefix(name, pluginEnvPrefixes) {
			out = append(out, kv)
		}
	}
	return out
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
