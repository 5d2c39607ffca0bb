//go:build !race

package opawasm

// raceEnabled: see race_on_test.go.
const raceEnabled = false
