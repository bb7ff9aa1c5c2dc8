package fee

import (
	"slices"
	"time"

	"github.com/uptrace/bun"
)

// ValidAge reports whether age names an aging bucket (AgingBuckets), or
// is empty: no narrowing.
func ValidAge(age string) bool { return age == "" || slices.Contains(AgingBuckets[:], age) }

// unitsHaving narrows the units picked for a page of the arrears list
// (alias u) to those whose oldest arrears are of q.Age — a unit's age is
// its oldest bill's, as collectors reckon it: a unit owing for 400 days
// is a "365+" debtor even if it also owes last month's — and that owe at
// least q.MinFen in all. Each is a scalar subquery over the unit's unpaid
// bills (the unit's index), like the pick's own EXISTS, so the page stays
// a page however few units pass.
func unitsHaving(tx bun.Tx, pick *bun.SelectQuery, q AgingQuery, asOf time.Time) (*bun.SelectQuery, error) {
	if !ValidAge(q.Age) {
		return nil, ErrInvalidAge
	}
	if !validFen(q.MinFen) {
		return nil, ErrInvalidAmount
	}
	bills := func(col string) *bun.SelectQuery {
		b := tx.NewSelect().TableExpr("bills AS b").ColumnExpr(col).
			Where("b.tenant_id = u.tenant_id AND b.unit_id = u.id AND b.status IN (?, ?) AND b.due_date < ?", Open, Partial, formatDate(asOf))
		if q.BuildingID != nil {
			b = b.Where("b.building_id = ?", *q.BuildingID)
		}
		if q.ItemID != nil {
			b = b.Where("b.item_id = ?", *q.ItemID)
		}
		return b
	}
	if q.Age != "" {
		i := slices.Index(AgingBuckets[:], q.Age)
		// Bucket i holds ages in (limit[i-1], limit[i]] days; ages are
		// whole days past the due date, so the oldest due date falls in
		// [asOf − limit[i], asOf − limit[i-1]).
		oldest := bills("min(b.due_date)")
		if i < len(agingLimits) {
			pick = pick.Where("(?) >= ?", oldest, formatDate(asOf.AddDate(0, 0, -agingLimits[i])))
		}
		if i > 0 {
			pick = pick.Where("(?) < ?", oldest, formatDate(asOf.AddDate(0, 0, -agingLimits[i-1])))
		}
	}
	if q.MinFen > 0 {
		pick = pick.Where("(?) >= ?", bills("sum(b.amount_fen - b.paid_fen - b.waived_fen)"), q.MinFen)
	}
	return pick, nil
}
