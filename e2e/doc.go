// Package e2e holds the end-to-end tests: they build the real binaries
// (tfy-secrets, tfy-secrets-plugin, tfy-emulator, tfy-secrets-policy), start
// the real emulator on loopback and run the host the way a user does, with a
// throwaway HOME and environment, over pipes and a real pty. Nothing here is
// faked; the package has no non-test code and must not gain any.
package e2e
