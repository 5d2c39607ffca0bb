//go:build race

package opawasm

// raceEnabled: under the race detector wazero's compiler (Go code) runs
// several times slower, so tests that compile many modules do less.
const raceEnabled = true
