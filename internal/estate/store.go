package estate

import (
	"context"
	"errors"
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

// ByID loads one estate of the tenant.
func ByID(ctx context.Context, db bun.IDB, tenantID, id uuid.UUID) (*Estate, error) {
	e := new(Estate)
	if err := db.NewSelect().Model(e).Where("tenant_id = ? AND id = ?", tenantID, id).Scan(ctx); err != nil {
		return nil, database.Normalize(err)
	}
	return e, nil
}

// ByName finds an estate by its exact name.
func ByName(ctx context.Context, db bun.IDB, tenantID uuid.UUID, name string) (*Estate, error) {
	e := new(Estate)
	if err := db.NewSelect().Model(e).Where("tenant_id = ? AND name = ?", tenantID, name).Scan(ctx); err != nil {
		return nil, database.Normalize(err)
	}
	return e, nil
}

// Insert adds an estate; a duplicate name is ErrNameTaken.
func Insert(ctx context.Context, db bun.IDB, e *Estate) error {
	now := time.Now().UTC()
	if e.ID == uuid.Nil {
		e.ID = uuid.Must(uuid.NewV7())
	}
	e.CreatedAt, e.UpdatedAt = now, now
	_, err := db.NewInsert().Model(e).Exec(ctx)
	return conflictAs(err, ErrNameTaken)
}

// CountExisting counts how many of ids are estates of the tenant.
func CountExisting(ctx context.Context, db bun.IDB, tenantID uuid.UUID, ids []uuid.UUID) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	n, err := db.NewSelect().Model((*Estate)(nil)).Where("tenant_id = ? AND id IN (?)", tenantID, bun.In(ids)).Count(ctx)
	return int(n), database.Normalize(err)
}

// countActive counts rows of model's table for the tenant that are not archived.
func countActive(ctx context.Context, db bun.IDB, model any, tenantID uuid.UUID) (int, error) {
	n, err := db.NewSelect().Model(model).Where("tenant_id = ? AND archived_at IS NULL", tenantID).Count(ctx)
	return int(n), database.Normalize(err)
}

// CountUnits counts the tenant's active units (plan limits).
func CountUnits(ctx context.Context, db bun.IDB, tenantID uuid.UUID) (int, error) {
	return countActive(ctx, db, (*Unit)(nil), tenantID)
}

// CountEstates counts the tenant's active estates (plan limits).
func CountEstates(ctx context.Context, db bun.IDB, tenantID uuid.UUID) (int, error) {
	return countActive(ctx, db, (*Estate)(nil), tenantID)
}

// BuildingByID loads one building of the tenant.
func BuildingByID(ctx context.Context, db bun.IDB, tenantID, id uuid.UUID) (*Building, error) {
	b := new(Building)
	if err := db.NewSelect().Model(b).Where("tenant_id = ? AND id = ?", tenantID, id).Scan(ctx); err != nil {
		return nil, database.Normalize(err)
	}
	return b, nil
}

// Buildings lists an estate's buildings in display order.
func Buildings(ctx context.Context, db bun.IDB, tenantID, estateID uuid.UUID, withArchived bool) ([]Building, error) {
	var bs []Building
	q := db.NewSelect().Model(&bs).Where("tenant_id = ? AND estate_id = ?", tenantID, estateID).OrderExpr("sort_order, name")
	if !withArchived {
		q = q.Where("archived_at IS NULL")
	}
	return bs, database.Normalize(q.Scan(ctx))
}

// UnitByID loads one unit of the tenant.
func UnitByID(ctx context.Context, db bun.IDB, tenantID, id uuid.UUID) (*Unit, error) {
	u := new(Unit)
	if err := db.NewSelect().Model(u).Where("tenant_id = ? AND id = ?", tenantID, id).Scan(ctx); err != nil {
		return nil, database.Normalize(err)
	}
	return u, nil
}

// PersonByID loads one person with phones.
func PersonByID(ctx context.Context, db bun.IDB, tenantID, id uuid.UUID) (*Person, error) {
	p := new(Person)
	if err := db.NewSelect().Model(p).Where("tenant_id = ? AND id = ?", tenantID, id).Scan(ctx); err != nil {
		return nil, database.Normalize(err)
	}
	ps := []*Person{p}
	return p, loadPhones(ctx, db, tenantID, ps)
}

func loadPhones(ctx context.Context, db bun.IDB, tenantID uuid.UUID, ps []*Person) error {
	if len(ps) == 0 {
		return nil
	}
	ids := make([]uuid.UUID, len(ps))
	byID := make(map[uuid.UUID]*Person, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
		byID[p.ID] = p
		p.Phones = nil
	}
	var phones []personPhone
	err := db.NewSelect().Model(&phones).Where("tenant_id = ? AND person_id IN (?)", tenantID, bun.In(ids)).
		OrderExpr("person_id, position").Scan(ctx)
	for _, ph := range phones {
		byID[ph.PersonID].Phones = append(byID[ph.PersonID].Phones, ph.Phone)
	}
	return database.Normalize(err)
}

// replacePhones sets a person's phones, in order.
func replacePhones(ctx context.Context, db bun.IDB, tenantID, personID uuid.UUID, phones []string) error {
	if _, err := db.NewDelete().Model((*personPhone)(nil)).Where("tenant_id = ? AND person_id = ?", tenantID, personID).Exec(ctx); err != nil {
		return database.Normalize(err)
	}
	if len(phones) == 0 {
		return nil
	}
	rows := make([]personPhone, len(phones))
	for i, ph := range phones {
		rows[i] = personPhone{TenantID: tenantID, PersonID: personID, Phone: ph, Last4: ph[len(ph)-4:], Position: i}
	}
	_, err := db.NewInsert().Model(&rows).Exec(ctx)
	return database.Normalize(err)
}

func conflictAs(err, as error) error {
	err = database.Normalize(err)
	if err != nil && errors.Is(err, database.ErrConflict) {
		return as
	}
	return err
}
