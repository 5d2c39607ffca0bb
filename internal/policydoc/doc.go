// Package policydoc owns the policy input and decision documents (design
// section 6): their Go types, their vocabularies, their JSON shape and their
// validation. The service builds an Input and reads a Decision; the policy
// engine evaluates one into the other; `policy eval` parses one from a file.
// No other package declares these fields, so adding one to the input is a
// change to a struct here plus its real uses (the engine's reduced input for
// the default bundle is checked against these types by a test in package
// policies).
//
// It must not import anything of the project: it is data, nothing else. It
// has no field that could hold a secret value, only key names and lengths.
package policydoc
