package policies

import (
	"github.com/tfy-secrets/tfy-secrets/internal/policydoc"
	"github.com/tfy-secrets/tfy-secrets/policies/internal/defaultinput"
	"github.com/tfy-secrets/tfy-secrets/policies/opawasm"
)

// setView fills v with in's lean view (see defaultinput.Input), reusing v's slices.
// Lengths the rules cannot act on are left out like zeros, since the module
// parses every byte it is sent: a change's length is read only by the
// value-size rule, as "above the store's max_value_bytes", so one at or
// below sizeBound (the smallest max_value_bytes of the store rules) is left
// out; a secret's length is read only by masking, and only with
// show_prefix, so without it none is sent.
func setView(v *defaultinput.Input, in policydoc.Input, sizeBound int) {
	v.Operation = in.Operation
	v.IntegrationType = in.Integration.Type
	v.DryRun, v.ShowPrefix = in.Context.DryRun, in.Context.ShowPrefix
	v.Changes = v.Changes[:0]
	for _, c := range in.Changes {
		n := c.Length
		if n <= sizeBound {
			n = 0
		}
		v.Changes = append(v.Changes, defaultinput.Change{Key: c.Key, Action: c.Action, Literal: c.Source == policydoc.SourceLiteral, Length: n})
	}
	v.Secrets = v.Secrets[:0]
	for _, s := range in.Secrets {
		n := s.Length
		if !in.Context.ShowPrefix {
			n = 0
		}
		v.Secrets = append(v.Secrets, defaultinput.Secret{Key: s.Key, Length: n})
	}
}

// writeFull writes in as the whole input document for an organisation
// policy, byte for byte what json.Marshal(in) writes (a test compares), so
// the document needs no validation before evaluation.
func writeFull(d *opawasm.Document, in *policydoc.Input) {
	d.Reset()
	d.BeginObject()
	d.Key("operation")
	d.String(string(in.Operation))
	d.Key("tenant")
	d.String(in.Tenant)
	d.Key("group")
	d.BeginObject()
	d.Key("name")
	d.String(in.Group.Name)
	d.Key("id")
	d.String(in.Group.ID)
	d.Key("fqn")
	d.String(in.Group.FQN)
	d.EndObject()
	d.Key("integration")
	d.BeginObject()
	d.Key("id")
	d.String(in.Integration.ID)
	d.Key("fqn")
	d.String(in.Integration.FQN)
	d.Key("type")
	d.String(in.Integration.Type)
	d.Key("provider")
	d.String(in.Integration.Provider)
	d.EndObject()
	d.Key("changes")
	d.BeginArray()
	for _, c := range in.Changes {
		d.BeginObject()
		d.Key("key")
		d.String(c.Key)
		d.Key("action")
		d.String(string(c.Action))
		d.Key("source")
		d.String(string(c.Source))
		d.Key("length")
		d.Int(c.Length)
		d.EndObject()
	}
	d.EndArray()
	d.Key("secrets")
	d.BeginArray()
	for _, s := range in.Secrets {
		d.BeginObject()
		d.Key("key")
		d.String(s.Key)
		d.Key("id")
		d.String(s.ID)
		d.Key("length")
		d.Int(s.Length)
		d.EndObject()
	}
	d.EndArray()
	c := &in.Context
	d.Key("context")
	d.BeginObject()
	d.Key("client")
	d.String(string(c.Client))
	d.Key("interactive")
	d.Bool(c.Interactive)
	d.Key("yes")
	d.Bool(c.Yes)
	d.Key("confirm_name")
	d.String(c.ConfirmName)
	d.Key("dry_run")
	d.Bool(c.DryRun)
	d.Key("ci")
	d.Bool(c.CI)
	d.Key("show_prefix")
	d.Bool(c.ShowPrefix)
	d.EndObject()
	d.EndObject()
}
