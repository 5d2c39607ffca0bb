package policies

// RuntimeStarts is how many times e started the wasm runtime, so tests can
// tell a decision that touched wazero from one that did not.
func (e *Engine) RuntimeStarts() int { return int(e.starts.Load()) }
