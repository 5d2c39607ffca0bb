//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package iostreams

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// echoOff turns the terminal's echo off. The hidden prompt calls it before
// printing its question: term.ReadPassword turns echo off only once it runs,
// and anything typed or pasted between the question and that moment would
// be shown on screen.
func echoOff(fd int) error {
	tio, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return fmt.Errorf("read terminal settings: %w", err)
	}
	tio.Lflag &^= unix.ECHO
	if err := unix.IoctlSetTermios(fd, ioctlSetTermios, tio); err != nil {
		return fmt.Errorf("turn echo off: %w", err)
	}
	return nil
}
