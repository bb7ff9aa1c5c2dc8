package tenant

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
)

// Insert adds a tenant; a taken slug is ErrSlugTaken.
func Insert(ctx context.Context, db bun.IDB, t *Tenant) error {
	_, err := db.NewInsert().Model(t).Exec(ctx)
	if err = database.Normalize(err); errors.Is(err, database.ErrConflict) {
		return ErrSlugTaken
	}
	return err
}

// BySlug loads a tenant by its slug; database.ErrNotFound if none.
func BySlug(ctx context.Context, db bun.IDB, slug string) (*Tenant, error) {
	t := new(Tenant)
	if err := db.NewSelect().Model(t).Where("slug = ?", slug).Scan(ctx); err != nil {
		return nil, database.Normalize(err)
	}
	return t, nil
}

// ByID loads a tenant by ID.
func ByID(ctx context.Context, db bun.IDB, id uuid.UUID) (*Tenant, error) {
	t := new(Tenant)
	if err := db.NewSelect().Model(t).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, database.Normalize(err)
	}
	return t, nil
}

// Update saves name, status, plan and time zone.
func Update(ctx context.Context, db bun.IDB, t *Tenant) error {
	t.UpdatedAt = time.Now().UTC()
	res, err := db.NewUpdate().Model(t).Column("name", "status", "plan", "time_zone", "updated_at").WherePK().Exec(ctx)
	if err != nil {
		return database.Normalize(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return database.ErrNotFound
	}
	return nil
}

// BumpRBACVersion marks the tenant's role assignments as changed, so that
// every replica reloads them on its next request for the tenant.
func BumpRBACVersion(ctx context.Context, db bun.IDB, id uuid.UUID) error {
	_, err := db.NewUpdate().Model((*Tenant)(nil)).Set("rbac_version = rbac_version + 1").Where("id = ?", id).Exec(ctx)
	return database.Normalize(err)
}

// Search lists tenants whose slug or name contains q, newest first.
func Search(ctx context.Context, db bun.IDB, q string, limit int) ([]Tenant, error) {
	var ts []Tenant
	sel := db.NewSelect().Model(&ts).OrderExpr("created_at DESC").Limit(int64(limit))
	if q = strings.TrimSpace(strings.ToLower(q)); q != "" {
		like := "%" + escapeLike(q) + "%"
		sel = sel.Where("(slug LIKE ? ESCAPE '\\' OR lower(name) LIKE ? ESCAPE '\\')", like, like)
	}
	err := sel.Scan(ctx)
	return ts, database.Normalize(err)
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// SetStatus changes a tenant's status (platform console, billing).
func SetStatus(ctx context.Context, db bun.IDB, id uuid.UUID, status Status) error {
	if !status.Valid() {
		return ErrInvalidStatus
	}
	res, err := db.NewUpdate().Model((*Tenant)(nil)).Set("status = ?", status).Set("updated_at = ?", time.Now().UTC()).
		Where("id = ?", id).Exec(ctx)
	if err != nil {
		return database.Normalize(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return database.ErrNotFound
	}
	return nil
}
