package spawn

import (
	"slices"
	"testing"
)

func TestPluginEnvKeepsOnlyWhatThePluginNeeds(t *testing.T) {
	t.Parallel()
	in := []string{
		"TFY_API_KEY=k", "TFY_BASE_URL=http://127.0.0.1:1", "TFY_SECRETS_POLICY=/p.tar.gz",
		"HOME=/h", "XDG_RUNTIME_DIR=/run/user/1", "DBUS_SESSION_BUS_ADDRESS=unix:path=/b", "https_proxy=http://p",
		"LC_ALL=C", "PATH=/bin",
		"DB_PASSWORD=canary-value-from-env", "NEW_API_KEY=another-canary", "MALFORMED", "=x",
	}
	got := pluginEnv(in)
	want := []string{
		"TFY_API_KEY=k", "TFY_BASE_URL=http://127.0.0.1:1", "TFY_SECRETS_POLICY=/p.tar.gz",
		"HOME=/h", "XDG_RUNTIME_DIR=/run/user/1", "DBUS_SESSION_BUS_ADDRESS=unix:path=/b", "https_proxy=http://p",
		"LC_ALL=C", "PATH=/bin",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("pluginEnv =\n%q\nwant\n%q", got, want)
	}
}
