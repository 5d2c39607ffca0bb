// Package testkit holds the helpers that tests in several packages share:
// a buffer child processes may write while a test reads it, a wait for a
// process to be gone, canary values, and the module's commands built once
// per test process. Only tests import it.
package testkit

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

// LockedBuffer is a bytes.Buffer that several goroutines may write, such
// as a child's stderr copied by os/exec while the test reads it.
type LockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *LockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Canary returns prefix followed by 24 random hex digits: a value unique to
// this call, so finding it in output, a log or an error can only come from
// the test that made it. Tests use it for values and keys that must never
// be shown.
func Canary(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail; it crashes the program instead
	return prefix + hex.EncodeToString(b)
}

// WaitGone polls /proc until pid no longer runs, failing tb after 15
// seconds. A zombie counts as gone: it runs no more, and in a container
// nobody may be reaping it.
func WaitGone(tb testing.TB, pid int) {
	tb.Helper()
	deadline := time.Now().Add(15 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return
		}
		// The state follows the parenthesised command name.
		if i := bytes.LastIndexByte(stat, ')'); i > 0 && len(stat) > i+2 && stat[i+2] == 'Z' {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("process %d still running", pid)
		}
		<-tick.C
	}
}
