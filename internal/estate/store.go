package estate

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
)

// List returns the tenant's estates by name; archived ones only if asked.
func List(ctx context.Context, db bun.IDB, tenantID uuid.UUID, withArchived bool) ([]Estate, error) {
	var es []Estate
	q := db.NewSelect().Model(&es).Where("tenant_id = ?", tenantID).OrderExpr("name")
	if !withArchived {
		q = q.Where("archived_at IS NULL")
	}
	return es, database.Normalize(q.Scan(ctx))
}

// ByName finds an estate by its exact name.
func ByName(ctx context.Context, db bun.IDB, tenantID uuid.UUID, name string) (*Estate, error) {
	e := new(Estate)
	if err := db.NewSelect().Model(e).Where("tenant_id = ? AND name = ?", tenantID, name).Scan(ctx); err != nil {
		return nil, database.Normalize(err)
	}
	return e, nil
}

// Insert adds an estate; a duplicate name is database.ErrConflict.
func Insert(ctx context.Context, db bun.IDB, e *Estate) error {
	now := time.Now().UTC()
	if e.ID == uuid.Nil {
		e.ID = uuid.Must(uuid.NewV7())
	}
	e.CreatedAt, e.UpdatedAt = now, now
	_, err := db.NewInsert().Model(e).Exec(ctx)
	return database.Normalize(err)
}

// CountExisting counts how many of ids are estates of the tenant.
func CountExisting(ctx context.Context, db bun.IDB, tenantID uuid.UUID, ids []uuid.UUID) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	n, err := db.NewSelect().Model((*Estate)(nil)).Where("tenant_id = ? AND id IN (?)", tenantID, bun.In(ids)).Count(ctx)
	return int(n), database.Normalize(err)
}
