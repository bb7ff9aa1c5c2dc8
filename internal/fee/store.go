package fee

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
)

// activeEstate is estate.InScope for a change: an archived estate is
// refused.
func activeEstate(ctx context.Context, db bun.IDB, tenantID uuid.UUID, scope estate.Scope, id uuid.UUID) (*estate.Estate, error) {
	e, err := estate.InScope(ctx, db, tenantID, scope, id)
	if err != nil {
		return nil, err
	}
	if e.ArchivedAt != nil {
		return nil, estate.ErrArchived
	}
	return e, nil
}

// itemInScope reads an item of an estate the caller may see.
func itemInScope(ctx context.Context, db bun.IDB, tenantID uuid.UUID, scope estate.Scope, id uuid.UUID) (*Item, error) {
	it := new(Item)
	if err := db.NewSelect().Model(it).Where("tenant_id = ? AND id = ?", tenantID, id).Scan(ctx); err != nil {
		return nil, database.Normalize(err)
	}
	if !scope.Allows(it.EstateID) {
		return nil, database.ErrNotFound
	}
	return it, nil
}

// unitInScope reads a unit of an estate the caller may see.
func unitInScope(ctx context.Context, db bun.IDB, tenantID uuid.UUID, scope estate.Scope, id uuid.UUID) (*estate.Unit, error) {
	u, err := estate.UnitByID(ctx, db, tenantID, id)
	if err != nil {
		return nil, err
	}
	if !scope.Allows(u.EstateID) {
		return nil, database.ErrNotFound
	}
	return u, nil
}

// billInScope reads a bill of an estate the caller may see; lock takes
// its row lock on PostgreSQL (SQLite has one writer).
func billInScope(ctx context.Context, tx bun.Tx, postgres bool, tenantID uuid.UUID, scope estate.Scope, id uuid.UUID, lock bool) (*Bill, error) {
	b := new(Bill)
	q := tx.NewSelect().Model(b).Where("tenant_id = ? AND id = ?", tenantID, id)
	if lock && postgres {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, database.Normalize(err)
	}
	if !scope.Allows(b.EstateID) {
		return nil, database.ErrNotFound
	}
	return b, nil
}

// itemsOf lists an estate's items in display order.
func itemsOf(ctx context.Context, db bun.IDB, tenantID, estateID uuid.UUID, withArchived bool) ([]Item, error) {
	var out []Item
	q := db.NewSelect().Model(&out).Where("tenant_id = ? AND estate_id = ?", tenantID, estateID).OrderExpr("sort_order, name")
	if !withArchived {
		q = q.Where("archived_at IS NULL")
	}
	return out, database.Normalize(q.Scan(ctx))
}

// ratesOf lists the rates of items, oldest first.
func ratesOf(ctx context.Context, db bun.IDB, tenantID uuid.UUID, itemIDs []uuid.UUID) ([]Rate, error) {
	var out []Rate
	if len(itemIDs) == 0 {
		return nil, nil
	}
	err := db.NewSelect().Model(&out).Where("tenant_id = ? AND item_id IN (?)", tenantID, bun.In(itemIDs)).
		OrderExpr("effective_from, unit_kind").Scan(ctx)
	return out, database.Normalize(err)
}

// lockUnit takes the unit's money lock (its unit_balances row, made if
// missing) and returns its prepaid balance. Payments, voids, waivers and
// runs of a unit take it first, so they follow one another and cannot
// deadlock on the unit's bills.
func lockUnit(ctx context.Context, tx bun.Tx, tenantID, unitID uuid.UUID, now time.Time) (int64, error) {
	var bal int64
	err := tx.NewRaw(`INSERT INTO unit_balances (tenant_id, unit_id, balance_fen, updated_at) VALUES (?, ?, 0, ?)
		ON CONFLICT (tenant_id, unit_id) DO UPDATE SET balance_fen = unit_balances.balance_fen
		RETURNING balance_fen`, tenantID, unitID, now).Scan(ctx, &bal)
	return bal, database.Normalize(err)
}

// setBalance writes a unit's prepaid balance.
func setBalance(ctx context.Context, tx bun.Tx, tenantID, unitID uuid.UUID, fen int64, at time.Time) error {
	_, err := tx.NewUpdate().Model((*balance)(nil)).Set("balance_fen = ?", fen).Set("updated_at = ?", at).
		Where("tenant_id = ? AND unit_id = ?", tenantID, unitID).Exec(ctx)
	return err
}

// billSaved are the columns saveBills writes.
var billSaved = []string{"paid_fen", "waived_fen", "status", "updated_at"}

// saveBills writes the paid, waived and status of bills.
func saveBills(ctx context.Context, tx bun.Tx, bills ...*Bill) error {
	if len(bills) > 1 {
		// One statement for all: a payment of a year's bills sent one
		// update each, every one a round trip inside the company's batch.
		_, err := tx.NewUpdate().Model(&bills).Column(billSaved...).Bulk().Exec(ctx)
		return err
	}
	for _, b := range bills {
		if _, err := tx.NewUpdate().Model(b).Column(billSaved...).WherePK().Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

func conflictAs(err, as error) error {
	err = database.Normalize(err)
	if err != nil && errors.Is(err, database.ErrConflict) {
		return as
	}
	return err
}

func isNotFound(err error) bool { return errors.Is(err, database.ErrNotFound) }
