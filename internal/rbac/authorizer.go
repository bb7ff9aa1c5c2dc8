package rbac

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database"
)

// Authorizer decides from memory whether a user may do something in a
// tenant. Every tenant's assignments stay loaded; Sync keeps a tenant
// current with the database. It is safe for concurrent use.
type Authorizer struct {
	db *database.DB

	// loading serializes loads, so that two requests that see the same new
	// version read the database once and a version is never recorded with
	// rows older than it.
	loading sync.Mutex

	// mu is held for reading across each decision and for writing while a
	// tenant's rules and cached decisions are replaced: otherwise a decision
	// computed from the old rules could be cached after they were replaced.
	mu       sync.RWMutex
	p        *policy
	versions map[uuid.UUID]int64 // tenant → rbac_version its loaded rules are at least as new as
}

// New loads every tenant's assignments.
func New(ctx context.Context, db *database.DB) (*Authorizer, error) {
	a := &Authorizer{db: db}
	if err := a.Reload(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

// Reload loads every tenant's assignments again, into a new enforcer that
// replaces the current one once complete.
func (a *Authorizer) Reload(ctx context.Context) error {
	a.loading.Lock()
	defer a.loading.Unlock()
	// Versions first: the rows read afterwards are at least that new, so a
	// change committed in between is loaded now or by the next Sync.
	versions, err := tenantVersions(ctx, a.db)
	if err != nil {
		return err
	}
	ad := newAdapter(a.db)
	m := newModel()
	if err := ad.LoadPolicyCtx(ctx, m); err != nil {
		return err
	}
	p, err := newPolicy(m)
	if err != nil {
		return fmt.Errorf("rbac: build enforcer: %w", err)
	}
	p.e.SetAdapter(ad)
	a.mu.Lock()
	a.p, a.versions = p, versions
	a.mu.Unlock()
	return nil
}

// Sync makes sure the tenant's assignments are loaded at version, the
// tenant's current rbac_version, which every role change bumps in its
// transaction. The server calls it on every request: when the version is
// the one loaded it is a map lookup; otherwise it reloads the tenant's
// assignments and forgets its cached decisions. That is how a change made
// through one replica reaches the others.
func (a *Authorizer) Sync(ctx context.Context, tenantID uuid.UUID, version int64) error {
	if a.loaded(tenantID, version) {
		return nil
	}
	a.loading.Lock()
	defer a.loading.Unlock()
	if a.loaded(tenantID, version) {
		return nil
	}
	// The caller read version before these rows are read: they are at
	// least that new.
	rows, err := tenantAssignments(ctx, a.db, tenantID)
	if err != nil {
		return err
	}
	rules, dom := gRules(rows), tenantID.String()

	a.mu.Lock()
	defer a.mu.Unlock()
	p := a.p // loading keeps Reload from replacing it meanwhile
	defer p.decisions.forget(tenantID)
	// Casbin's LoadIncrementalFilteredPolicy would rebuild every tenant's
	// role links and keep revoked ones; instead swap this tenant's g rules.
	// Autosave is off, so this changes the enforcer only. Rules are removed
	// one by one: casbin's batch removal reindexes every later rule.
	for _, rule := range p.roles.rules(dom) {
		if _, err := p.e.RemoveGroupingPolicy(rule); err != nil {
			return fmt.Errorf("rbac: unload tenant %s: %w", tenantID, err)
		}
	}
	if len(rules) > 0 {
		if _, err := p.e.AddGroupingPolicies(rules); err != nil {
			return fmt.Errorf("rbac: load tenant %s: %w", tenantID, err)
		}
	}
	a.versions[tenantID] = version
	return nil
}

func (a *Authorizer) loaded(tenantID uuid.UUID, version int64) bool {
	a.mu.RLock()
	defer a.mu.RUnlock()
	v, ok := a.versions[tenantID]
	return ok && v == version
}

// Can reports whether the user may do action on object in the tenant.
// Estate scope is not part of the decision: queries apply it.
func (a *Authorizer) Can(userID, tenantID uuid.UUID, object, action string) bool {
	a.mu.RLock()
	defer a.mu.RUnlock()
	d := decision{userID, object, action}
	if allowed, ok := a.p.decisions.get(tenantID, d); ok {
		return allowed
	}
	allowed := a.p.can(userID.String(), tenantID.String(), object, action)
	a.p.decisions.put(tenantID, d, allowed)
	return allowed
}

// Roles lists the roles the user holds directly in the tenant, sorted.
func (a *Authorizer) Roles(userID, tenantID uuid.UUID) []Role {
	a.mu.RLock()
	names := a.p.e.GetRolesForUserInDomain(userID.String(), tenantID.String())
	a.mu.RUnlock()
	roles := make([]Role, len(names))
	for i, n := range names {
		roles[i] = Role(n)
	}
	slices.Sort(roles)
	return roles
}
