// Package grouplock serialises the writers of one secret group on one
// machine. A tfy-secrets process holds an advisory lock on a file in the
// user's private state directory from just before it re-reads a group until
// it has verified its write, so two processes of the same user cannot
// interleave a read and a full-set write and delete each other's keys.
//
// A lock is named by an opaque string; the package knows nothing of the
// API. The kernel drops a lock when its holder exits, however it exits, so
// no lock is ever left stale. A lock file holds the holder's process id and
// nothing else.
package grouplock

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Locks is a directory of lock files.
type Locks struct {
	dir string
}

// Busy is the error of a Lock whose context ended while another process
// held the lock.
type Busy struct {
	Holder int   // the holder's process id; 0 when unknown
	Err    error // why the wait ended: the context's error
}

func (e *Busy) Error() string {
	if e.Holder > 0 {
		return fmt.Sprintf("held by process %d: %v", e.Holder, e.Err)
	}
	return "held by another process: " + e.Err.Error()
}

func (e *Busy) Unwrap() error { return e.Err }

// DefaultDir is $XDG_STATE_HOME/tfy-secrets/locks, else
// ~/.local/state/tfy-secrets/locks.
func DefaultDir() (string, error) {
	base := os.Getenv("XDG_STATE_HOME")
	if !filepath.IsAbs(base) {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("lock directory: %w", err)
		}
		base = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(base, "tfy-secrets", "locks"), nil
}

// Open prepares dir ("" for DefaultDir): created 0700 when missing, made
// 0700 when others could read it, refused when it is a symlink, not a
// directory, or someone else's.
func Open(dir string) (*Locks, error) {
	if dir == "" {
		d, err := DefaultDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("lock directory: %w", unwrapPath(err))
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return nil, fmt.Errorf("lock directory: %w", unwrapPath(err))
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return nil, fmt.Errorf("lock directory %s is a symbolic link", dir)
	case !fi.IsDir():
		return nil, fmt.Errorf("lock directory %s is not a directory", dir)
	case !ownedByUser(fi):
		return nil, fmt.Errorf("lock directory %s belongs to another user", dir)
	case fi.Mode().Perm()&0o077 != 0:
		if err := os.Chmod(dir, 0o700); err != nil {
			return nil, fmt.Errorf("lock directory: %w", unwrapPath(err))
		}
	}
	return &Locks{dir: dir}, nil
}

// Dir is the directory holding the lock files.
func (l *Locks) Dir() string { return l.dir }

// The wait between attempts grows from firstPoll to maxPoll: a writer holds
// a lock for a few round trips, so most waits end within the first polls,
// and a long one costs no more than a wake-up every maxPoll.
const (
	firstPoll = 2 * time.Millisecond
	maxPoll   = 50 * time.Millisecond
)

// busyHook runs each time the lock was found held; tests use it to release
// the lock only once a waiter is really waiting.
var busyHook = func() {}

// Lock waits until it holds the lock called name, or ctx ends (a *Busy
// error naming the holder). Release the lock with Held.Release.
func (l *Locks) Lock(ctx context.Context, name string) (*Held, error) {
	path := l.path(name)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|noFollow, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", unwrapPath(err))
	}
	wait := firstPoll
	for {
		ok, err := tryLock(f)
		if err != nil {
			_ = f.Close()
			return nil, fmt.Errorf("lock %s: %w", filepath.Base(path), err)
		}
		if !ok {
			busyHook()
		}
		if ok {
			// The pid is only for the message of whoever waits next; a
			// failure to write it does not weaken the lock.
			if f.Truncate(0) == nil {
				_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
			}
			return &Held{f: f}, nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			holder := holderOf(f)
			_ = f.Close()
			return nil, &Busy{Holder: holder, Err: ctx.Err()}
		case <-t.C:
		}
		wait = min(2*wait, maxPoll)
	}
}

// path names a lock's file after a hash of its name, so any name (a URL, an
// id) makes a short, safe file name.
func (l *Locks) path(name string) string {
	sum := sha256.Sum256([]byte(name))
	return filepath.Join(l.dir, hex.EncodeToString(sum[:16])+".lock")
}

// holderOf reads the pid the holder wrote, 0 when there is none yet.
func holderOf(f *os.File) int {
	b := make([]byte, 24)
	n, _ := f.ReadAt(b, 0)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n])))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// Held is a lock this process holds.
type Held struct {
	f *os.File
}

// Release gives the lock up. The file stays: removing it could let a
// waiter that already opened it lock a file nobody else will find.
func (h *Held) Release() {
	if h == nil || h.f == nil {
		return
	}
	_ = h.f.Close()
	h.f = nil
}

func unwrapPath(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}
