//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package iostreams

// echoOff is a no-op where the console has no termios; term.ReadPassword
// hides input there on its own.
func echoOff(int) error { return nil }
