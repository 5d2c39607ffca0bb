package host

import (
	"testing"

	"github.com/tfy-secrets/tfy-secrets/host/hosttest"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// auth logout names the host whose key it removed (issue 11, item 12).
func TestLogoutNamesTheHost(t *testing.T) {
	in := invocation{svc: hosttest.Canned(hosttest.Answers{Status: plugin.AuthStatus{Host: "https://acme.truefoundry.cloud", HostSource: "flag"}})}
	in.run(t, "auth", "logout", "--host", "https://acme.truefoundry.cloud").
		expect(t, 0, "", "Logged out of https://acme.truefoundry.cloud: its stored API key was removed.\n")
}
