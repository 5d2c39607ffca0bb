//go:build !linux

package spawn

// exitedUnreaped is false where only a reaped process can be told apart
// (Process.Exited then waits for go-plugin's Wait).
func exitedUnreaped(int) bool { return false }
