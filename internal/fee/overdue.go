package fee

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// MaxOverdueUnits bounds the units of one OverdueBills call, and so one
// batch of reminder letters.
const MaxOverdueUnits = 500

// OverdueBills lists the bills of the given units (at most
// MaxOverdueUnits) that are in arrears on q's day as Aging counts them,
// narrowed by q's building and item, by unit and due date: the lines of
// the reminder letters (催缴), whose days overdue count to AsOf.
func (s *Service) OverdueBills(ctx context.Context, t *tenant.Tenant, scope estate.Scope, q AgingQuery, unitIDs []uuid.UUID) ([]Bill, error) {
	asOf, err := s.asOf(t, q.AsOf)
	if err != nil {
		return nil, err
	}
	if len(unitIDs) > MaxOverdueUnits {
		return nil, ErrTooManyUnits
	}
	bills := []Bill{}
	if len(unitIDs) == 0 {
		return bills, nil
	}
	err = s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := estate.InScope(ctx, tx, t.ID, scope, q.EstateID); err != nil {
			return err
		}
		sel := tx.NewSelect().Model(&bills).
			Where("tenant_id = ? AND estate_id = ? AND status <> ? AND due_date < ?", t.ID, q.EstateID, Paid, formatDate(asOf)).
			Where("unit_id IN (?)", bun.In(unitIDs))
		if q.BuildingID != nil {
			sel = sel.Where("building_id = ?", *q.BuildingID)
		}
		if q.ItemID != nil {
			sel = sel.Where("item_id = ?", *q.ItemID)
		}
		return sel.OrderExpr("unit_id, due_date, period_start, id").Scan(ctx)
	})
	return bills, database.Normalize(err)
}

// DaysOverdue is how many days past its due date (YYYY-MM-DD) a bill is
// on asOf.
func DaysOverdue(due string, asOf time.Time) int {
	d, err := ParseDate(due)
	if err != nil {
		return 0
	}
	return int(asOf.Sub(d) / (24 * time.Hour))
}

// AsOf is the day an arrears query counts to: the one given
// (YYYY-MM-DD), or the tenant's today by the service's clock.
func (s *Service) AsOf(t *tenant.Tenant, day string) (time.Time, error) { return s.asOf(t, day) }
