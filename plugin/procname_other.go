//go:build !linux

package plugin

// nameProcess is needed only where the host executes the plugin by
// descriptor (Linux).
func nameProcess(string) {}
