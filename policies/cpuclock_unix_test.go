//go:build unix

package policies_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used. On the shared 2-core
// machines wall time per operation moves with other builds' load; CPU time
// moves much less, so benchmarks report both.
func cpuTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
