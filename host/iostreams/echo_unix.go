//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package iostreams

import (
	"errors"
	"fmt"
	"io"

	"golang.org/x/sys/unix"
)

// echoOff puts the terminal in the state a hidden line is read in: echo
// off, line editing and Ctrl-C on. The hidden prompt calls it before
// printing its question, so that nothing typed or pasted at once is shown.
// It is the only change of settings the prompt makes: readHidden leaves
// them alone, so restoring them when the prompt is interrupted cannot race
// a reader that is still setting up.
func echoOff(fd int) error {
	tio, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return fmt.Errorf("read terminal settings: %w", err)
	}
	tio.Lflag &^= unix.ECHO
	tio.Lflag |= unix.ICANON | unix.ISIG
	tio.Iflag |= unix.ICRNL
	if err := unix.IoctlSetTermios(fd, ioctlSetTermios, tio); err != nil {
		return fmt.Errorf("turn echo off: %w", err)
	}
	return nil
}

// readHidden reads one line from the terminal fd, which echoOff has set
// up, without its line ending. A backspace the terminal passes through
// removes the byte before it.
func readHidden(fd int) ([]byte, error) {
	line := make([]byte, 0, 128)
	var b [1]byte
	for {
		n, err := unix.Read(fd, b[:])
		switch {
		case n == 1 && b[0] == '\n':
			return line, nil
		case n == 1 && b[0] == '\b':
			if len(line) > 0 {
				line[len(line)-1] = 0 // the caller clears only what it gets back
				line = line[:len(line)-1]
			}
		case n == 1:
			if len(line) == cap(line) {
				grown := append(make([]byte, 0, 2*cap(line)), line...)
				clear(line)
				line = grown
			}
			line = append(line, b[0])
		case errors.Is(err, unix.EINTR):
		case err != nil:
			clear(line)
			return nil, err
		case len(line) > 0: // end of input after a last unterminated line
			return line, nil
		default:
			return nil, io.EOF
		}
	}
}
