package opawasm

import (
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// OPA's wasm compiler implements most builtins inside the module (count,
// concat, startswith, regex.match, ...). The rest are imported: the module's
// builtins() export names each one it calls, and the host answers through
// opa_builtin0..4. A builtin listed there that this table lacks makes Load
// fail with its name, so an unsupported policy is refused before any decision.
//
// An error from a host builtin makes the call undefined, which is what OPA's
// topdown evaluator does for builtin errors outside strict mode.

// hostBuiltin computes a builtin's result from its arguments.
type hostBuiltin struct {
	arity int
	fn    func(args []value) (value, error)
}

var hostBuiltins = map[string]hostBuiltin{
	"sprintf":                  {2, builtinSprintf},
	"strings.any_prefix_match": {2, anyMatch(strings.HasPrefix)},
	"strings.any_suffix_match": {2, anyMatch(strings.HasSuffix)},
}

// SupportedBuiltins lists the builtins this package adds to the ones OPA
// compiles into wasm, for documentation and for callers that pre-check.
func SupportedBuiltins() []string {
	names := make([]string, 0, len(hostBuiltins))
	for name := range hostBuiltins {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func typeName(v value) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case number:
		return "number"
	case string:
		return "string"
	case []value:
		return "array"
	case *object:
		return "object"
	}
	return "set"
}

func operandError(pos int, want string, got value) error {
	return fmt.Errorf("operand %d must be %s but got %s", pos, want, typeName(got))
}

// builtinSprintf follows topdown's sprintf: numbers become int64, *big.Int or
// float64 depending on their literal text, strings stay strings, and every
// other value is formatted as its Rego text, then Go's fmt does the rest.
func builtinSprintf(args []value) (value, error) {
	format, ok := args[0].(string)
	if !ok {
		return nil, operandError(1, "string", args[0])
	}
	arr, ok := args[1].([]value)
	if !ok {
		return nil, operandError(2, "array", args[1])
	}
	fmtArgs := make([]any, len(arr))
	for i, a := range arr {
		switch x := a.(type) {
		case number:
			fmtArgs[i] = sprintfNumber(string(x))
		case string:
			fmtArgs[i] = x
		default:
			fmtArgs[i] = string(appendRegoText(nil, a))
		}
	}
	return fmt.Sprintf(format, fmtArgs...), nil
}

func sprintfNumber(text string) any {
	if strings.ContainsAny(text, ".eE") {
		if f, err := strconv.ParseFloat(text, 64); err == nil {
			return f
		}
		return text
	}
	if i, err := strconv.ParseInt(text, 10, 64); err == nil {
		return i
	}
	if b, ok := new(big.Int).SetString(text, 10); ok {
		return b
	}
	return text
}

// anyMatch implements strings.any_prefix_match and any_suffix_match: each
// operand is a string or an array or set of strings.
func anyMatch(match func(s, affix string) bool) func(args []value) (value, error) {
	return func(args []value) (value, error) {
		search, err := stringList(args[0], 1)
		if err != nil {
			return nil, err
		}
		affixes, err := stringList(args[1], 2)
		if err != nil {
			return nil, err
		}
		for _, s := range search {
			for _, a := range affixes {
				if match(s, a) {
					return true, nil
				}
			}
		}
		return false, nil
	}
}

func stringList(v value, pos int) ([]string, error) {
	var elems []value
	switch x := v.(type) {
	case string:
		return []string{x}, nil
	case []value:
		elems = x
	case set:
		elems = x
	default:
		return nil, operandError(pos, "string, array or set", v)
	}
	out := make([]string, len(elems))
	for i, e := range elems {
		s, ok := e.(string)
		if !ok {
			return nil, fmt.Errorf("operand %d element %d must be string but got %s", pos, i, typeName(e))
		}
		out[i] = s
	}
	return out, nil
}
