package rbac

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
)

// assignment is one user→role grant in one tenant: a casbin g rule
// (user, role, tenant).
type assignment struct {
	bun.BaseModel `bun:"table:membership_roles,alias:mr"`

	TenantID  uuid.UUID `bun:"tenant_id,pk"`
	UserID    uuid.UUID `bun:"user_id,pk"`
	Role      string    `bun:"role,pk"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// errEmbedded refuses writes of p rules and of the hierarchy: they are code.
var errEmbedded = errors.New("rbac: only g rules (user, role, tenant) are stored; permissions and the role hierarchy are embedded in code")

// adapter is a casbin adapter over membership_roles. The embedded global
// rules come first in every load, so that a filtered load gives a complete
// policy for its tenant. Writes bump the tenant's rbac_version in the same
// transaction, as every role change must. Casbin's Adapter methods carry no
// context; they use context.Background and the *Ctx methods are preferred.
type adapter struct {
	db       *database.DB
	filtered atomic.Bool
}

var (
	_ persist.FilteredAdapter        = (*adapter)(nil)
	_ persist.BatchAdapter           = (*adapter)(nil)
	_ persist.ContextFilteredAdapter = (*adapter)(nil)
)

func newAdapter(db *database.DB) *adapter { return &adapter{db: db} }

// LoadPolicyCtx loads the global rules and every tenant's assignments.
func (a *adapter) LoadPolicyCtx(ctx context.Context, m model.Model) error {
	rows, err := allAssignments(ctx, a.db)
	if err != nil {
		return err
	}
	a.filtered.Store(false)
	return loadInto(m, rows)
}

// LoadFilteredPolicyCtx loads the global rules and the assignments of the
// tenant whose uuid.UUID is the filter.
func (a *adapter) LoadFilteredPolicyCtx(ctx context.Context, m model.Model, filter interface{}) error {
	tenantID, ok := filter.(uuid.UUID)
	if !ok {
		return fmt.Errorf("rbac: filter is %T, want the tenant's uuid.UUID", filter)
	}
	rows, err := tenantAssignments(ctx, a.db, tenantID)
	if err != nil {
		return err
	}
	a.filtered.Store(true)
	return loadInto(m, rows)
}

// allAssignments reads every tenant's assignments but those of disabled
// memberships.
func allAssignments(ctx context.Context, db *database.DB) ([]assignment, error) {
	var rows []assignment
	err := db.InPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		return selectAssignments(tx).Scan(ctx, &rows)
	})
	if err != nil {
		return nil, fmt.Errorf("rbac: load assignments: %w", err)
	}
	return rows, nil
}

// tenantAssignments reads one tenant's assignments but those of disabled
// memberships.
func tenantAssignments(ctx context.Context, db *database.DB, tenantID uuid.UUID) ([]assignment, error) {
	var rows []assignment
	err := db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		return selectAssignments(tx).Where("mr.tenant_id = ?", tenantID).Scan(ctx, &rows)
	})
	if err != nil {
		return nil, fmt.Errorf("rbac: load assignments of tenant %s: %w", tenantID, err)
	}
	return rows, nil
}

func selectAssignments(tx bun.Tx) *bun.SelectQuery {
	return tx.NewSelect().Model((*assignment)(nil)).
		ColumnExpr("mr.tenant_id, mr.user_id, mr.role").
		Join("JOIN memberships AS m ON m.tenant_id = mr.tenant_id AND m.user_id = mr.user_id").
		Where("m.disabled_at IS NULL")
}

func loadInto(m model.Model, rows []assignment) error {
	for _, line := range embeddedRules() {
		if err := addRule(m, line[0], line[1:]); err != nil {
			return err
		}
	}
	for _, rule := range gRules(rows) {
		if err := addRule(m, "g", rule); err != nil {
			return err
		}
	}
	return nil
}

// gRules turns rows into g rules, sharing one string per tenant, per user
// and per role: with 200,000 rules the copies would cost more than the rest.
func gRules(rows []assignment) [][]string {
	names := map[uuid.UUID]string{}
	name := func(id uuid.UUID) string {
		s, ok := names[id]
		if !ok {
			s = id.String()
			names[id] = s
		}
		return s
	}
	rules := make([][]string, len(rows))
	for i, r := range rows {
		role := r.Role
		if j := slices.Index(allRoles, Role(role)); j >= 0 {
			role = string(allRoles[j])
		}
		rules[i] = []string{name(r.UserID), role, name(r.TenantID)}
	}
	return rules
}

// IsFilteredCtx reports whether the last load was for one tenant.
func (a *adapter) IsFilteredCtx(context.Context) bool { return a.filtered.Load() }

// SavePolicyCtx is not supported: rewriting every tenant's roles at once
// would bypass the per-tenant rbac_version bump.
func (a *adapter) SavePolicyCtx(context.Context, model.Model) error {
	return errors.New("rbac: SavePolicy is not supported; add or remove single assignments")
}

// AddPolicyCtx inserts one assignment.
func (a *adapter) AddPolicyCtx(ctx context.Context, sec, ptype string, rule []string) error {
	return a.AddPoliciesCtx(ctx, sec, ptype, [][]string{rule})
}

// RemovePolicyCtx deletes one assignment.
func (a *adapter) RemovePolicyCtx(ctx context.Context, sec, ptype string, rule []string) error {
	return a.RemovePoliciesCtx(ctx, sec, ptype, [][]string{rule})
}

// AddPoliciesCtx inserts assignments of one tenant.
func (a *adapter) AddPoliciesCtx(ctx context.Context, sec, ptype string, rules [][]string) error {
	tenantID, rows, err := assignments(sec, ptype, rules)
	if err != nil || len(rows) == 0 {
		return err
	}
	return a.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
			return err
		}
		return bumpVersion(ctx, tx, tenantID)
	})
}

// RemovePoliciesCtx deletes assignments of one tenant.
func (a *adapter) RemovePoliciesCtx(ctx context.Context, sec, ptype string, rules [][]string) error {
	tenantID, rows, err := assignments(sec, ptype, rules)
	if err != nil || len(rows) == 0 {
		return err
	}
	return a.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		for _, r := range rows {
			if _, err := tx.NewDelete().Model((*assignment)(nil)).
				Where("tenant_id = ? AND user_id = ? AND role = ?", r.TenantID, r.UserID, r.Role).
				Exec(ctx); err != nil {
				return err
			}
		}
		return bumpVersion(ctx, tx, tenantID)
	})
}

// RemoveFilteredPolicyCtx deletes the assignments whose fields (user, role,
// tenant from fieldIndex on; "" matches anything) equal fieldValues.
func (a *adapter) RemoveFilteredPolicyCtx(ctx context.Context, sec, ptype string, fieldIndex int, fieldValues ...string) error {
	if sec != "g" || ptype != "g" {
		return errEmbedded
	}
	columns := []string{"user_id", "role", "tenant_id"}
	if fieldIndex < 0 || fieldIndex+len(fieldValues) > len(columns) {
		return fmt.Errorf("rbac: filter on fields %d..%d of a g rule with 3", fieldIndex, fieldIndex+len(fieldValues)-1)
	}
	type match struct {
		column string
		value  any
	}
	var matches []match
	var tenantID uuid.UUID
	for i, v := range fieldValues {
		if v == "" {
			continue
		}
		m := match{column: columns[fieldIndex+i], value: v}
		if m.column != "role" {
			id, err := uuid.Parse(v)
			if err != nil {
				return fmt.Errorf("rbac: %s %q: %w", m.column, v, err)
			}
			m.value = id
			if m.column == "tenant_id" {
				tenantID = id
			}
		}
		matches = append(matches, m)
	}
	if len(matches) == 0 {
		return errors.New("rbac: refusing to remove every assignment")
	}
	remove := func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewDelete().Model((*assignment)(nil))
		for _, m := range matches {
			q = q.Where("? = ?", bun.Ident(m.column), m.value)
		}
		var tenants []uuid.UUID
		if _, err := q.Returning("tenant_id").Exec(ctx, &tenants); err != nil {
			return err
		}
		slices.SortFunc(tenants, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
		for _, t := range slices.Compact(tenants) {
			if err := bumpVersion(ctx, tx, t); err != nil {
				return err
			}
		}
		return nil
	}
	if tenantID != uuid.Nil {
		return a.db.InTenant(ctx, tenantID, remove)
	}
	// Without a tenant (a user leaving everywhere) only platform scope sees
	// all the rows.
	return a.db.InPlatform(ctx, remove)
}

// assignments validates g rules that all name one tenant.
func assignments(sec, ptype string, rules [][]string) (uuid.UUID, []assignment, error) {
	if sec != "g" || ptype != "g" {
		return uuid.Nil, nil, errEmbedded
	}
	var tenantID uuid.UUID
	now := time.Now().UTC()
	rows := make([]assignment, 0, len(rules))
	for _, rule := range rules {
		if len(rule) != 3 || rule[2] == anyTenant {
			return uuid.Nil, nil, fmt.Errorf("rbac: g rule %q: want user, role, tenant: %w", rule, errEmbedded)
		}
		userID, err1 := uuid.Parse(rule[0])
		tid, err2 := uuid.Parse(rule[2])
		if err := errors.Join(err1, err2); err != nil {
			return uuid.Nil, nil, fmt.Errorf("rbac: g rule %q: %w", rule, err)
		}
		if !Role(rule[1]).Valid() {
			return uuid.Nil, nil, fmt.Errorf("rbac: g rule %q: unknown role", rule)
		}
		if tenantID != uuid.Nil && tid != tenantID {
			return uuid.Nil, nil, errors.New("rbac: one batch of assignments must name one tenant")
		}
		tenantID = tid
		rows = append(rows, assignment{TenantID: tid, UserID: userID, Role: rule[1], CreatedAt: now})
	}
	return tenantID, rows, nil
}

// tenantVersions reads every tenant's rbac_version.
func tenantVersions(ctx context.Context, db *database.DB) (map[uuid.UUID]int64, error) {
	var rows []struct {
		ID      uuid.UUID `bun:"id"`
		Version int64     `bun:"rbac_version"`
	}
	err := db.InPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT id, rbac_version FROM tenants").Scan(ctx, &rows)
	})
	if err != nil {
		return nil, fmt.Errorf("rbac: load tenant versions: %w", err)
	}
	versions := make(map[uuid.UUID]int64, len(rows))
	for _, r := range rows {
		versions[r.ID] = r.Version
	}
	return versions, nil
}

// bumpVersion tells every replica, through Sync, that the tenant's roles changed.
func bumpVersion(ctx context.Context, tx bun.Tx, tenantID uuid.UUID) error {
	_, err := tx.ExecContext(ctx, "UPDATE tenants SET rbac_version = rbac_version + 1 WHERE id = ?", tenantID)
	return err
}

// The casbin interfaces without a context.

func (a *adapter) LoadPolicy(m model.Model) error {
	return a.LoadPolicyCtx(context.Background(), m)
}

func (a *adapter) LoadFilteredPolicy(m model.Model, filter interface{}) error {
	return a.LoadFilteredPolicyCtx(context.Background(), m, filter)
}

func (a *adapter) IsFiltered() bool { return a.filtered.Load() }

func (a *adapter) SavePolicy(m model.Model) error { return a.SavePolicyCtx(context.Background(), m) }

func (a *adapter) AddPolicy(sec, ptype string, rule []string) error {
	return a.AddPolicyCtx(context.Background(), sec, ptype, rule)
}

func (a *adapter) RemovePolicy(sec, ptype string, rule []string) error {
	return a.RemovePolicyCtx(context.Background(), sec, ptype, rule)
}

func (a *adapter) AddPolicies(sec, ptype string, rules [][]string) error {
	return a.AddPoliciesCtx(context.Background(), sec, ptype, rules)
}

func (a *adapter) RemovePolicies(sec, ptype string, rules [][]string) error {
	return a.RemovePoliciesCtx(context.Background(), sec, ptype, rules)
}

func (a *adapter) RemoveFilteredPolicy(sec, ptype string, fieldIndex int, fieldValues ...string) error {
	return a.RemoveFilteredPolicyCtx(context.Background(), sec, ptype, fieldIndex, fieldValues...)
}
