//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package iostreams

import "golang.org/x/term"

// echoOff is a no-op where the console has no termios; readHidden hides
// input there on its own.
func echoOff(int) error { return nil }

// readHidden reads one line from the console without showing it.
func readHidden(fd int) ([]byte, error) { return term.ReadPassword(fd) }
