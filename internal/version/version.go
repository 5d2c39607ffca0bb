// Package version holds the build's version string, set by the linker
// (-X github.com/tfy-secrets/tfy-secrets/internal/version.Version=...).
package version

// Version is the release this binary was built from.
var Version = "dev"
