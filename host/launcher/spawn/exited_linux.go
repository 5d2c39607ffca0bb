package spawn

import (
	"bytes"
	"os"
	"strconv"
)

// exitedUnreaped reports whether the child pid has ended but is not yet
// reaped: a zombie, state Z in /proc/PID/stat (after the last ')', since
// the command name may hold one), or already gone from /proc.
func exitedUnreaped(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return os.IsNotExist(err)
	}
	i := bytes.LastIndexByte(stat, ')')
	return i > 0 && len(stat) > i+2 && stat[i+2] == 'Z'
}
