package fee

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
)

// Account is a unit's fee account: every bill, payment, waiver and
// balance movement, and the prepaid balance — its page and statement.
type Account struct {
	Unit       *estate.Unit `json:"unit"`
	BalanceFen int64        `json:"balance_fen"`
	// OpenFen is what the unit owes now, due or not.
	OpenFen   int64      `json:"open_fen"`
	Bills     []Bill     `json:"bills"`
	Payments  []Payment  `json:"payments"`
	Waivers   []Waiver   `json:"waivers"`
	Movements []Movement `json:"movements"`
}

// Account reads a unit's account in scope; lists oldest first.
func (s *Service) Account(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, unitID uuid.UUID) (*Account, error) {
	ac := &Account{Bills: []Bill{}, Payments: []Payment{}, Waivers: []Waiver{}, Movements: []Movement{}}
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if ac.Unit, err = unitInScope(ctx, tx, tenantID, scope, unitID); err != nil {
			return err
		}
		if err := tx.NewSelect().Model(&ac.Bills).Where("tenant_id = ? AND unit_id = ?", tenantID, unitID).
			OrderExpr("period_start, due_date, id").Scan(ctx); err != nil {
			return err
		}
		if err := tx.NewSelect().Model(&ac.Payments).Where("tenant_id = ? AND unit_id = ?", tenantID, unitID).OrderExpr("paid_at, id").Scan(ctx); err != nil {
			return err
		}
		if err := tx.NewSelect().Model(&ac.Waivers).Where("tenant_id = ? AND bill_id IN (SELECT id FROM bills WHERE tenant_id = ? AND unit_id = ?)",
			tenantID, tenantID, unitID).OrderExpr("requested_at, id").Scan(ctx); err != nil {
			return err
		}
		if err := tx.NewSelect().Model(&ac.Movements).Where("tenant_id = ? AND unit_id = ?", tenantID, unitID).OrderExpr("at, id").Scan(ctx); err != nil {
			return err
		}
		var bal balance
		err = tx.NewSelect().Model(&bal).Where("tenant_id = ? AND unit_id = ?", tenantID, unitID).Scan(ctx)
		if err = database.Normalize(err); err != nil && !isNotFound(err) {
			return err
		}
		ac.BalanceFen = bal.BalanceFen
		for _, b := range ac.Bills {
			ac.OpenFen += b.OpenFen()
		}
		return nil
	})
	if err != nil {
		return nil, database.Normalize(err)
	}
	return ac, nil
}

// Bill reads a bill in scope (the pages of its waivers go back to its
// unit).
func (s *Service) Bill(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, id uuid.UUID) (*Bill, error) {
	var b *Bill
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		b, err = billInScope(ctx, tx, false, tenantID, scope, id, false)
		return err
	})
	return b, database.Normalize(err)
}
