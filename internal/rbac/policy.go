package rbac

import (
	"fmt"
	"sync"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
)

// anyTenant is the domain of the rows that hold in every tenant: the
// role→permission table and the role hierarchy.
const anyTenant = "*"

// modelText is RBAC with domains, domain = tenant ID. The matcher compares
// strings before calling g so that an uncached decision asks the role
// manager only about the rows granting the requested permission, and it
// avoids keyMatch on the domain, which would make casbin match every
// tenant against every other.
const modelText = `
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, dom, obj, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.obj == p.obj && r.act == p.act && (p.dom == "*" || p.dom == r.dom) && g(r.sub, p.sub, r.dom)
`

func newModel() model.Model {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		panic(fmt.Sprintf("rbac: casbin model: %v", err)) // a constant that does not parse is a bug
	}
	return m
}

// embeddedRules are the global rows as casbin policy lines (ptype first):
// "p, role, *, object, action" and "g, role, inherited role, *".
func embeddedRules() [][]string {
	var rules [][]string
	for _, r := range allRoles {
		for obj, acts := range grants[r] {
			for _, act := range acts {
				rules = append(rules, []string{"p", string(r), anyTenant, obj, act})
			}
		}
	}
	for _, in := range inherits {
		rules = append(rules, []string{"g", string(in[0]), string(in[1]), anyTenant})
	}
	return rules
}

// addRule adds one policy line unless the model has it already: a filtered
// load may run over a model that holds the global rows.
func addRule(m model.Model, ptype string, rule []string) error {
	sec := ptype[:1]
	if has, err := m.HasPolicy(sec, ptype, rule); has || err != nil {
		return err
	}
	return m.AddPolicy(sec, ptype, rule)
}

// policy is one loaded casbin enforcer with its role manager and decision
// cache. Reload builds a new one and swaps it in whole.
type policy struct {
	e         *casbin.SyncedEnforcer
	roles     *roleManager
	decisions *decisionCache
}

// newPolicy builds an enforcer over a model that already holds its rows.
// Passing the model without an adapter keeps casbin from loading it again
// into its default role manager, which needs about 1 KB per assignment.
func newPolicy(m model.Model) (*policy, error) {
	e, err := casbin.NewSyncedEnforcer(m)
	if err != nil {
		return nil, err
	}
	p := &policy{e: e, roles: newRoleManager(), decisions: newDecisionCache(maxDecisions)}
	e.SetRoleManager(p.roles)
	if err := e.BuildRoleLinks(); err != nil {
		return nil, err
	}
	// The database is the source of truth and other code writes it in the
	// same transaction as the rbac_version bump; in-memory changes made on a
	// reload must never be written back.
	e.EnableAutoSave(false)
	return p, nil
}

// can asks the enforcer, bypassing the decision cache.
func (p *policy) can(sub, dom, obj, act string) bool {
	ok, err := p.e.Enforce(sub, dom, obj, act)
	return err == nil && ok
}

// globalPolicy holds only the global rows: what a role may do in any
// tenant, for Permissions and the README table.
var globalPolicy = sync.OnceValue(func() *policy {
	m := newModel()
	for _, line := range embeddedRules() {
		if err := addRule(m, line[0], line[1:]); err != nil {
			panic(fmt.Sprintf("rbac: embedded policy: %v", err))
		}
	}
	p, err := newPolicy(m)
	if err != nil {
		panic(fmt.Sprintf("rbac: embedded policy: %v", err))
	}
	return p
})
