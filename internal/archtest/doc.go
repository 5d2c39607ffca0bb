// Package archtest holds the test that keeps docs/architecture.md's package
// table true: every package of the module is in it, and none imports what its
// row forbids. It has no code of its own.
package archtest
