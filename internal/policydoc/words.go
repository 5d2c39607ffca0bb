package policydoc

// Operation names a policy-checked operation (input.operation).
type Operation string

// The operations.
const (
	OpGroupCreate     Operation = "group.create"
	OpGroupUpdate     Operation = "group.update"
	OpGroupDelete     Operation = "group.delete"
	OpGroupList       Operation = "group.list"
	OpGroupGet        Operation = "group.get"
	OpSecretGet       Operation = "secret.get"
	OpSecretDelete    Operation = "secret.delete"
	OpSecretVersions  Operation = "secret.versions"
	OpManifestMigrate Operation = "manifest.migrate"
	OpManifestCheck   Operation = "manifest.check"
	OpAuthLogin       Operation = "auth.login"
)

// Action is what a mutation does to one key (input.changes[].action).
type Action string

// The per-key actions policies see.
const (
	ActionAdd    Action = "add"
	ActionRotate Action = "rotate"
	ActionKeep   Action = "keep"
	ActionRemove Action = "remove"
)

// Source says where a value came from (input.changes[].source).
type Source string

// The value sources. SourceLiteral is a value typed inline; the default
// policy refuses it.
const (
	SourceEnv      Source = "env"
	SourceFile     Source = "file"
	SourceStdin    Source = "stdin"
	SourcePrompt   Source = "prompt"
	SourceDotenv   Source = "dotenv"
	SourceManifest Source = "manifest"
	SourceLiteral  Source = "literal"
)

// Client says who is asking (input.context.client): the CLI or an agent
// through the MCP server.
type Client string

// The clients.
const (
	ClientCLI Client = "cli"
	ClientMCP Client = "mcp"
)

// Confirm is the confirmation a decision demands (decision.confirm).
type Confirm string

// The confirmation levels, weakest first.
const (
	ConfirmNone  Confirm = "none"
	ConfirmYes   Confirm = "yes"
	ConfirmTyped Confirm = "typed"
)

// The mask levels (decision.mask values). A key missing from a decision's
// mask is shown as MaskSet.
const (
	MaskSet     = "set"
	MaskPrefix4 = "prefix4"
)

// The vocabularies of the input document. Policies are written against
// these words, so anything else is refused before evaluation rather than
// silently matching no rule.
var (
	Operations = []Operation{
		OpGroupCreate, OpGroupUpdate, OpGroupDelete, OpGroupList, OpGroupGet,
		OpSecretGet, OpSecretDelete, OpSecretVersions, OpManifestMigrate, OpManifestCheck, OpAuthLogin,
	}
	Actions = []Action{ActionAdd, ActionRotate, ActionKeep, ActionRemove}
	Sources = []Source{SourceEnv, SourceFile, SourceStdin, SourcePrompt, SourceDotenv, SourceManifest, SourceLiteral}
	Clients = []Client{ClientCLI, ClientMCP}
)
