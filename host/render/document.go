package render

import (
	"time"

	"github.com/tfy-secrets/tfy-secrets/internal/secret"
	"github.com/tfy-secrets/tfy-secrets/plugin"
)

// The documents below are what json and yaml print. Field names are a
// contract: add fields, never rename them.

type groupDoc struct {
	Name          string `json:"name" yaml:"name"`
	ID            string `json:"id" yaml:"id"`
	FQN           string `json:"fqn" yaml:"fqn"`
	Tenant        string `json:"tenant" yaml:"tenant"`
	IntegrationID string `json:"integration_id" yaml:"integration_id"`
	SecretCount   int    `json:"secret_count" yaml:"secret_count"`
	CreatedAt     string `json:"created_at" yaml:"created_at"`
	UpdatedAt     string `json:"updated_at" yaml:"updated_at"`
}

type groupsDoc struct {
	Groups []groupDoc `json:"groups" yaml:"groups"`
}

type groupSecretDoc struct {
	Key       string `json:"key" yaml:"key"`
	ID        string `json:"id" yaml:"id"`
	FQN       string `json:"fqn" yaml:"fqn"`
	Masked    string `json:"masked" yaml:"masked"`
	Version   int    `json:"version" yaml:"version"`
	UpdatedAt string `json:"updated_at" yaml:"updated_at"`
}

type groupDetailDoc struct {
	Group   groupDoc         `json:"group" yaml:"group"`
	Secrets []groupSecretDoc `json:"secrets" yaml:"secrets"`
}

type secretDoc struct {
	Key       string `json:"key" yaml:"key"`
	ID        string `json:"id" yaml:"id"`
	FQN       string `json:"fqn" yaml:"fqn"`
	Group     string `json:"group" yaml:"group"`
	Masked    string `json:"masked" yaml:"masked"`
	Version   int    `json:"version" yaml:"version"`
	UpdatedAt string `json:"updated_at" yaml:"updated_at"`
}

type secretEnvelope struct {
	Secret secretDoc `json:"secret" yaml:"secret"`
}

type versionDoc struct {
	Version   int    `json:"version" yaml:"version"`
	CreatedAt string `json:"created_at" yaml:"created_at"`
}

type versionsDoc struct {
	Versions []versionDoc `json:"versions" yaml:"versions"`
}

type integrationDoc struct {
	Name     string `json:"name" yaml:"name"`
	ID       string `json:"id" yaml:"id"`
	FQN      string `json:"fqn" yaml:"fqn"`
	Provider string `json:"provider" yaml:"provider"`
	Store    string `json:"store" yaml:"store"`
	Type     string `json:"type" yaml:"type"`
	Location string `json:"location" yaml:"location"`
	Rules    string `json:"rules" yaml:"rules"`
}

type integrationsDoc struct {
	Integrations []integrationDoc `json:"integrations" yaml:"integrations"`
}

type planChangeDoc struct {
	Key    string `json:"key" yaml:"key"`
	Action string `json:"action" yaml:"action"`
	Source string `json:"source" yaml:"source"`
	Origin string `json:"origin" yaml:"origin"`
}

type planDoc struct {
	Operation         string          `json:"operation" yaml:"operation"`
	Group             string          `json:"group" yaml:"group"`
	GroupFQN          string          `json:"group_fqn" yaml:"group_fqn"`
	Integration       string          `json:"integration" yaml:"integration"`
	IntegrationFQN    string          `json:"integration_fqn" yaml:"integration_fqn"`
	Changes           []planChangeDoc `json:"changes" yaml:"changes"`
	Confirm           string          `json:"confirm" yaml:"confirm"`
	Warnings          []string        `json:"warnings" yaml:"warnings"`
	ActiveDeployments int             `json:"active_deployments" yaml:"active_deployments"`
}

type planEnvelope struct {
	Plan planDoc `json:"plan" yaml:"plan"`
}

type resultChangeDoc struct {
	Key    string `json:"key" yaml:"key"`
	Action string `json:"action" yaml:"action"`
}

type resultDoc struct {
	Operation string            `json:"operation" yaml:"operation"`
	Group     string            `json:"group" yaml:"group"`
	Changes   []resultChangeDoc `json:"changes" yaml:"changes"`
	Verified  bool              `json:"verified" yaml:"verified"`
	Warnings  []string          `json:"warnings" yaml:"warnings"`
}

type resultEnvelope struct {
	Result resultDoc `json:"result" yaml:"result"`
}

type authStatusDoc struct {
	Host           string `json:"host" yaml:"host"`
	HostSource     string `json:"host_source" yaml:"host_source"`
	Tenant         string `json:"tenant" yaml:"tenant"`
	TenantSource   string `json:"tenant_source" yaml:"tenant_source"`
	KeySource      string `json:"key_source" yaml:"key_source"`
	Key            string `json:"key" yaml:"key"`
	User           string `json:"user" yaml:"user"`
	KeyCheck       string `json:"key_check" yaml:"key_check"`
	KeyCheckDetail string `json:"key_check_detail" yaml:"key_check_detail"`
}

type refDoc struct {
	Ref string `json:"ref" yaml:"ref"`
}

// stamp renders a time for machines: RFC 3339 UTC, empty when unknown.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func toGroupDoc(g plugin.Group) groupDoc {
	return groupDoc{
		Name: g.Name, ID: g.ID, FQN: g.FQN, Tenant: g.Tenant, IntegrationID: g.IntegrationID,
		SecretCount: g.SecretCount, CreatedAt: stamp(g.CreatedAt), UpdatedAt: stamp(g.UpdatedAt),
	}
}

func toGroupsDoc(groups []plugin.Group) groupsDoc {
	d := groupsDoc{Groups: make([]groupDoc, 0, len(groups))}
	for _, g := range groups {
		d.Groups = append(d.Groups, toGroupDoc(g))
	}
	return d
}

func toGroupDetailDoc(gd plugin.GroupDetail) groupDetailDoc {
	d := groupDetailDoc{Group: toGroupDoc(gd.Group), Secrets: make([]groupSecretDoc, 0, len(gd.Secrets))}
	for _, s := range gd.Secrets {
		d.Secrets = append(d.Secrets, groupSecretDoc{
			Key: s.Key, ID: s.ID, FQN: s.FQN, Masked: s.Masked, Version: s.Version, UpdatedAt: stamp(s.UpdatedAt),
		})
	}
	return d
}

func toSecretDoc(s plugin.SecretInfo) secretEnvelope {
	return secretEnvelope{Secret: secretDoc{
		Key: s.Key, ID: s.ID, FQN: s.FQN, Group: s.Group, Masked: s.Masked, Version: s.Version, UpdatedAt: stamp(s.UpdatedAt),
	}}
}

func toVersionsDoc(vs []plugin.Version) versionsDoc {
	d := versionsDoc{Versions: make([]versionDoc, 0, len(vs))}
	for _, v := range vs {
		d.Versions = append(d.Versions, versionDoc{Version: v.Version, CreatedAt: stamp(v.CreatedAt)})
	}
	return d
}

func toIntegrationsDoc(is []plugin.Integration) integrationsDoc {
	d := integrationsDoc{Integrations: make([]integrationDoc, 0, len(is))}
	for _, i := range is {
		d.Integrations = append(d.Integrations, integrationDoc{
			Name: i.Name, ID: i.ID, FQN: i.FQN, Provider: i.Provider, Store: i.Store, Type: i.Type, Location: i.Location, Rules: i.Rules,
		})
	}
	return d
}

func toPlanDoc(p plugin.Plan) planEnvelope {
	d := planDoc{
		Operation: string(p.Operation), Group: p.Group, GroupFQN: p.GroupFQN,
		Integration: p.Store, IntegrationFQN: p.IntegrationFQN, Confirm: string(p.Confirm),
		Changes: make([]planChangeDoc, 0, len(p.Changes)), Warnings: make([]string, 0, len(p.Warnings)),
		ActiveDeployments: p.ActiveDeployments,
	}
	for _, c := range p.Changes {
		d.Changes = append(d.Changes, planChangeDoc{Key: c.Key, Action: string(c.Action), Source: string(c.Source), Origin: c.Origin})
	}
	d.Warnings = append(d.Warnings, p.Warnings...)
	return planEnvelope{Plan: d}
}

func toResultDoc(r plugin.Result) resultEnvelope {
	d := resultDoc{Operation: string(r.Operation), Group: r.Group, Verified: r.Verified, Changes: make([]resultChangeDoc, 0, len(r.Changes)),
		Warnings: append(make([]string, 0, len(r.Warnings)), r.Warnings...)}
	for _, c := range r.Changes {
		d.Changes = append(d.Changes, resultChangeDoc{Key: c.Key, Action: string(c.Action)})
	}
	return resultEnvelope{Result: d}
}

func toAuthStatusDoc(s plugin.AuthStatus) authStatusDoc {
	// The key is never known to the host; a status exists only when one is set.
	return authStatusDoc{
		Host: s.Host, HostSource: s.HostSource, Tenant: s.Tenant, TenantSource: string(s.TenantSource), KeySource: s.KeySource,
		Key: secret.Redacted, User: s.User, KeyCheck: string(s.KeyCheck), KeyCheckDetail: s.KeyCheckDetail,
	}
}

type policyModuleDoc struct {
	Name   string `json:"name" yaml:"name"`
	Source string `json:"source" yaml:"source"`
}

type policyDoc struct {
	Bundle  string            `json:"bundle" yaml:"bundle"`
	Modules []policyModuleDoc `json:"modules" yaml:"modules"`
}

func toPolicyDoc(p plugin.PolicyInfo) policyDoc {
	d := policyDoc{Bundle: p.Bundle, Modules: make([]policyModuleDoc, 0, len(p.Modules))}
	for _, m := range p.Modules {
		d.Modules = append(d.Modules, policyModuleDoc{Name: m.Name, Source: m.Source})
	}
	return d
}
