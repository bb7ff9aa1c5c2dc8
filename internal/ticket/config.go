package ticket

import (
	"context"
	"errors"
	"net/mail"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/rbac"
)

// settingsOf reads a tenant's settings, or the defaults.
func SettingsOf(ctx context.Context, db bun.IDB, tenantID uuid.UUID) (Settings, error) {
	st := Settings{}
	err := db.NewSelect().Model(&st).Where("tenant_id = ?", tenantID).Scan(ctx)
	if errors.Is(database.Normalize(err), database.ErrNotFound) {
		st = DefaultSettings()
		st.TenantID = tenantID
		return st, nil
	}
	return st, err
}

// ladderOf reads a tenant's escalation ladder, or the built-in one.
func LadderOf(ctx context.Context, db bun.IDB, tenantID uuid.UUID) ([]Level, error) {
	var rows []Level
	if err := db.NewSelect().Model(&rows).Where("tenant_id = ?", tenantID).Order("position").Scan(ctx); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return slices.Clone(defaultLadder), nil
	}
	return rows, nil
}

// Config is a tenant's ticket configuration as the settings page shows it:
// the built-in defaults where the tenant has set nothing.
type Config struct {
	Settings   Settings `json:"settings"`
	Policies   []Policy `json:"sla_policies"`
	Defaults   bool     `json:"sla_defaults"`
	Ladder     []Level  `json:"escalation_levels"`
	Rules      []Rule   `json:"dispatch_rules"`
	Categories Tree     `json:"categories"`
}

// Config reads the tenant's ticket configuration.
func (s *Service) Config(ctx context.Context, tenantID uuid.UUID) (*Config, error) {
	if _, err := s.Categories(ctx, tenantID); err != nil {
		return nil, err
	}
	c := &Config{}
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if c.Settings, err = SettingsOf(ctx, tx, tenantID); err != nil {
			return err
		}
		if err := tx.NewSelect().Model(&c.Policies).Where("tenant_id = ?", tenantID).Order("priority", "type").Scan(ctx); err != nil {
			return err
		}
		if len(c.Policies) == 0 {
			c.Policies, c.Defaults = slices.Clone(defaultPolicies), true
		}
		if c.Ladder, err = LadderOf(ctx, tx, tenantID); err != nil {
			return err
		}
		if err := tx.NewSelect().Model(&c.Rules).Where("tenant_id = ?", tenantID).Order("created_at").Scan(ctx); err != nil {
			return err
		}
		if err := staff(ctx, tx, tenantID, c.Rules); err != nil {
			return err
		}
		c.Categories, err = loadTree(ctx, tx, tenantID)
		return err
	})
	return c, err
}

// SetSettings replaces the tenant's call-back and warning settings.
func (s *Service) SetSettings(ctx context.Context, tenantID uuid.UUID, st Settings) error {
	if err := st.Check(); err != nil {
		return err
	}
	st.TenantID, st.UpdatedAt = tenantID, s.now()
	defer s.forget(tenantID)
	return s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(&st).On("CONFLICT (tenant_id) DO UPDATE").
			Set("callback_types = EXCLUDED.callback_types, callback_max_attempts = EXCLUDED.callback_max_attempts").
			Set("callback_retry_minutes = EXCLUDED.callback_retry_minutes, followup_days = EXCLUDED.followup_days").
			Set("warn_percent = EXCLUDED.warn_percent, callback_closes = EXCLUDED.callback_closes, updated_at = EXCLUDED.updated_at").Exec(ctx)
		return err
	})
}

// SetPolicies replaces the tenant's deadline policies; none restores the
// defaults. They apply to tickets created from now on.
func (s *Service) SetPolicies(ctx context.Context, tenantID uuid.UUID, ps []Policy) error {
	if len(ps) > 500 {
		return ErrInvalidPolicy
	}
	defer s.forget(tenantID)
	return s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		tr, err := loadTree(ctx, tx, tenantID)
		if err != nil {
			return err
		}
		for i := range ps {
			p := &ps[i]
			if err := p.Check(); err != nil {
				return err
			}
			if p.CategoryID != nil && tr.ByID(*p.CategoryID) == nil {
				return ErrInvalidCategory
			}
			p.TenantID, p.ID, p.CreatedAt = tenantID, uuid.New(), s.now()
		}
		if _, err := tx.NewDelete().Model((*Policy)(nil)).Where("tenant_id = ?", tenantID).Exec(ctx); err != nil {
			return err
		}
		if len(ps) == 0 {
			return nil
		}
		_, err = tx.NewInsert().Model(&ps).Exec(ctx)
		return err
	})
}

// SetLadder replaces the tenant's escalation ladder; none restores the
// built-in one.
func (s *Service) SetLadder(ctx context.Context, tenantID uuid.UUID, ls []Level) error {
	if len(ls) > 20 {
		return ErrInvalidLadder
	}
	for i := range ls {
		l := &ls[i]
		l.NotifyRole = strings.TrimSpace(l.NotifyRole)
		if !l.Trigger.Valid() || l.AfterMinutes < 0 || l.AfterMinutes > 30*24*60 ||
			(l.NotifyRole != "" && !rbac.Role(l.NotifyRole).Valid()) || (l.NotifyRole == "" && len(l.Emails()) == 0) {
			return ErrInvalidLadder
		}
		for _, e := range l.Emails() {
			if _, err := mail.ParseAddress(e); err != nil {
				return ErrInvalidLadder
			}
		}
		l.NotifyEmails = strings.Join(l.Emails(), ",")
		l.TenantID, l.ID, l.Position, l.CreatedAt = tenantID, uuid.New(), i+1, s.now()
	}
	defer s.forget(tenantID)
	return s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*Level)(nil)).Where("tenant_id = ?", tenantID).Exec(ctx); err != nil {
			return err
		}
		if len(ls) == 0 {
			return nil
		}
		_, err := tx.NewInsert().Model(&ls).Exec(ctx)
		return err
	})
}

// AddRule maps estate × category to a team. A rule for the same estate and
// category replaces the old one.
func (s *Service) AddRule(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, r Rule) (*Rule, error) {
	if r.Mode == "" {
		r.Mode = Direct
	}
	if !r.Mode.Valid() {
		return nil, ErrInvalidMode
	}
	r.TenantID, r.ID, r.CreatedAt = tenantID, uuid.New(), s.now()
	defer s.forget(tenantID)
	err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := estate.InScope(ctx, tx, tenantID, scope, r.EstateID); err != nil {
			return err
		}
		if _, err := teamOf(ctx, tx, tenantID, r.EstateID, r.TeamID); err != nil {
			return err
		}
		if r.CategoryID != nil {
			tr, err := loadTree(ctx, tx, tenantID)
			if err != nil {
				return err
			}
			if tr.ByID(*r.CategoryID) == nil {
				return ErrInvalidCategory
			}
		}
		q := tx.NewDelete().Model((*Rule)(nil)).Where("tenant_id = ? AND estate_id = ?", tenantID, r.EstateID)
		if r.CategoryID == nil {
			q = q.Where("category_id IS NULL")
		} else {
			q = q.Where("category_id = ?", *r.CategoryID)
		}
		if _, err := q.Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(&r).Exec(ctx)
		return err
	})
	return &r, database.Normalize(err)
}

// DeleteRule removes a dispatch rule.
func (s *Service) DeleteRule(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, id uuid.UUID) error {
	defer s.forget(tenantID)
	return database.Normalize(s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		r := new(Rule)
		if err := tx.NewSelect().Model(r).Where("tenant_id = ? AND id = ?", tenantID, id).Scan(ctx); err != nil {
			return err
		}
		if !scope.Allows(r.EstateID) {
			return database.ErrNotFound
		}
		_, err := tx.NewDelete().Model(r).WherePK().Exec(ctx)
		return err
	}))
}

// AddCategory adds a category under parent (nil: a new root).
func (s *Service) AddCategory(ctx context.Context, tenantID uuid.UUID, parent *uuid.UUID, name string) (*Category, error) {
	name, ok := validCategoryName(name)
	if !ok {
		return nil, ErrInvalidCategory
	}
	c := &Category{TenantID: tenantID, ID: uuid.New(), ParentID: parent, Name: name, CreatedAt: s.now()}
	defer s.forget(tenantID)
	err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		tr, err := EnsureTree(ctx, tx, tenantID, s.now())
		if err != nil {
			return err
		}
		if parent != nil {
			p := tr.ByID(*parent)
			if p == nil || p.Depth >= 3 {
				return ErrInvalidCategory
			}
		}
		for _, o := range tr {
			if o.Name == name && ((o.ParentID == nil && parent == nil) || (o.ParentID != nil && parent != nil && *o.ParentID == *parent)) {
				return ErrInvalidCategory
			}
			if (o.ParentID == nil) == (parent == nil) && (parent == nil || *o.ParentID == *parent) {
				c.SortOrder = max(c.SortOrder, o.SortOrder+1)
			}
		}
		_, err = tx.NewInsert().Model(c).Exec(ctx)
		return err
	})
	return c, err
}

// SetCategoryArchived hides a category from intake, or brings it back;
// tickets keep it.
func (s *Service) SetCategoryArchived(ctx context.Context, tenantID, id uuid.UUID, archived bool) error {
	defer s.forget(tenantID)
	return database.Normalize(s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewUpdate().Model((*Category)(nil)).Where("tenant_id = ? AND id = ?", tenantID, id)
		if archived {
			q = q.Set("archived_at = ?", s.now())
		} else {
			q = q.Set("archived_at = NULL")
		}
		res, err := q.Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return database.ErrNotFound
		}
		return nil
	}))
}

// SetCategoryStaffComplaint marks a category (and those under it) as a
// complaint about staff, or clears the mark.
func (s *Service) SetCategoryStaffComplaint(ctx context.Context, tenantID, id uuid.UUID, on bool) error {
	defer s.forget(tenantID)
	return database.Normalize(s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*Category)(nil)).Set("staff_complaint = ?", on).
			Where("tenant_id = ? AND id = ?", tenantID, id).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return database.ErrNotFound
		}
		return nil
	}))
}

// SetCategoryMinor marks a category (and those under it) as minor repairs
// (零星维修), or clears the mark. The KPI rollups notice the change and
// count every day again.
func (s *Service) SetCategoryMinor(ctx context.Context, tenantID, id uuid.UUID, on bool) error {
	defer s.forget(tenantID)
	return database.Normalize(s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*Category)(nil)).Set("minor = ?", on).
			Where("tenant_id = ? AND id = ?", tenantID, id).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return database.ErrNotFound
		}
		return nil
	}))
}
