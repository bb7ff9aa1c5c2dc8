package fee

import (
	"context"
	"fmt"
	"math/big"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// Ratio is an exact fraction of two amounts of fen, shown as a percentage
// without floating point.
type Ratio struct {
	Num int64 `json:"num"`
	Den int64 `json:"den"`
}

// BasisPoints is the ratio in hundredths of a percent (9235 = 92.35%),
// rounded half away from zero; false when there is nothing to divide by.
func (r Ratio) BasisPoints() (int64, bool) {
	if r.Den == 0 {
		return 0, false
	}
	num := new(big.Int).Mul(big.NewInt(r.Num), big.NewInt(10000))
	den := big.NewInt(r.Den)
	if r.Den < 0 {
		num.Neg(num)
		den.Neg(den)
	}
	return RoundDiv(num, den), true
}

// String is the percentage with two decimals ("92.35%"), or "—" when
// undefined.
func (r Ratio) String() string {
	bp, ok := r.BasisPoints()
	if !ok {
		return "—"
	}
	sign := ""
	if bp < 0 {
		sign, bp = "-", -bp
	}
	return fmt.Sprintf("%s%d.%02d%%", sign, bp/100, bp%100)
}

// AgingBuckets are the arrears' ages in days past the due date: 0–30,
// 31–90, 91–180, 181–365, over 365.
var AgingBuckets = [5]string{"0-30", "31-90", "91-180", "181-365", "365+"}

// agingLimits are the first days of each bucket but the last.
var agingLimits = [4]int{30, 90, 180, 365}

// AgingRow is the arrears of one building and item by age.
type AgingRow struct {
	BuildingID uuid.UUID `json:"building_id"`
	Building   string    `json:"building"`
	ItemID     uuid.UUID `json:"item_id"`
	Item       string    `json:"item"`
	Bills      int       `json:"bills"`
	Units      int       `json:"units"`
	Buckets    [5]int64  `json:"buckets"`
	TotalFen   int64     `json:"total_fen"`
}

// AgingQuery narrows the aging report; AsOf (YYYY-MM-DD) defaults to the
// tenant's today.
type AgingQuery struct {
	EstateID   uuid.UUID
	BuildingID *uuid.UUID
	ItemID     *uuid.UUID
	AsOf       string
	// Age and MinFen narrow the units of ArrearsByUnit (not Aging's sums):
	// see unitsHaving.
	Age    string
	MinFen int64
}

// Aging is the arrears (欠费) of an estate by building and item, by age: a
// bill is in arrears from the day after its due date for what is still
// open (amount − paid − waived); its age is the days from the due date to
// AsOf.
func (s *Service) Aging(ctx context.Context, t *tenant.Tenant, scope estate.Scope, q AgingQuery) ([]AgingRow, error) {
	asOf, err := s.asOf(t, q.AsOf)
	if err != nil {
		return nil, err
	}
	var out []AgingRow
	err = s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := estate.InScope(ctx, tx, t.ID, scope, q.EstateID); err != nil {
			return err
		}
		var rows []struct {
			BuildingID uuid.UUID `bun:"building_id,type:uuid"`
			Building   string    `bun:"building"`
			ItemID     uuid.UUID `bun:"item_id,type:uuid"`
			Item       string    `bun:"item"`
			Bills      int       `bun:"bills"`
			Units      int       `bun:"units"`
			agingSums
		}
		// From the totals the bills' triggers keep (fee_arrears, a row per
		// building, item and due day): a unit in arrears on asOf is one
		// whose oldest open bill is due before it, so units sum as well.
		sums := agingOf(tx.NewSelect().TableExpr("fee_arrears AS b"), "b.open_fen", asOf).
			ColumnExpr("b.building_id, b.item_id, sum(b.bills) AS bills, sum(b.units) AS units").
			Where("b.tenant_id = ? AND b.estate_id = ? AND b.due_date < ?", t.ID, q.EstateID, formatDate(asOf)).
			GroupExpr("b.building_id, b.item_id").Having("sum(b.bills) > 0")
		sums = narrowed(sums, q)
		err := tx.NewSelect().TableExpr("(?) AS a", sums).
			Join("JOIN buildings AS bd ON bd.tenant_id = ? AND bd.id = a.building_id", t.ID).
			Join("JOIN fee_items AS it ON it.tenant_id = ? AND it.id = a.item_id", t.ID).
			ColumnExpr("a.*, bd.name AS building, it.name AS item").
			OrderExpr("bd.sort_order, bd.name, it.sort_order, it.name").Scan(ctx, &rows)
		if err != nil {
			return err
		}
		for _, r := range rows {
			row := AgingRow{BuildingID: r.BuildingID, Building: r.Building, ItemID: r.ItemID, Item: r.Item, Bills: r.Bills, Units: r.Units}
			row.Buckets, row.TotalFen = r.buckets()
			out = append(out, row)
		}
		return nil
	})
	return out, database.Normalize(err)
}

// agingSums are the five buckets' sums of a grouped query (withAging).
type agingSums struct {
	B0 int64 `bun:"b0"`
	B1 int64 `bun:"b1"`
	B2 int64 `bun:"b2"`
	B3 int64 `bun:"b3"`
	B4 int64 `bun:"b4"`
}

func (a agingSums) buckets() ([5]int64, int64) {
	b := [5]int64{a.B0, a.B1, a.B2, a.B3, a.B4}
	return b, a.B0 + a.B1 + a.B2 + a.B3 + a.B4
}

// arrearsOf is the query of an estate's bills in arrears on asOf (alias
// b), narrowed as q says, with the five bucket sums as b0…b4.
func arrearsOf(tx bun.Tx, tenantID uuid.UUID, q AgingQuery, asOf time.Time) *bun.SelectQuery {
	sel := agingOf(tx.NewSelect().TableExpr("bills AS b"), "b.amount_fen - b.paid_fen - b.waived_fen", asOf).
		Where("b.tenant_id = ? AND b.estate_id = ? AND b.status <> ? AND b.due_date < ?", tenantID, q.EstateID, Paid, formatDate(asOf))
	return narrowed(sel, q)
}

// narrowed narrows sel (alias b) to q's building and item.
func narrowed(sel *bun.SelectQuery, q AgingQuery) *bun.SelectQuery {
	if q.BuildingID != nil {
		sel = sel.Where("b.building_id = ?", *q.BuildingID)
	}
	if q.ItemID != nil {
		sel = sel.Where("b.item_id = ?", *q.ItemID)
	}
	return sel
}

// agingOf adds to sel (alias b, with a due_date) the five buckets' sums
// of open as b0…b4. Days compare as ISO text on both dialects: due_date ≥
// asOf − 30 is 30 days or fewer past due.
func agingOf(sel *bun.SelectQuery, open string, asOf time.Time) *bun.SelectQuery {
	var lim [4]string
	for i, d := range agingLimits {
		lim[i] = formatDate(asOf.AddDate(0, 0, -d))
	}
	return sel.
		ColumnExpr("sum(CASE WHEN b.due_date >= ? THEN "+open+" ELSE 0 END) AS b0", lim[0]).
		ColumnExpr("sum(CASE WHEN b.due_date < ? AND b.due_date >= ? THEN "+open+" ELSE 0 END) AS b1", lim[0], lim[1]).
		ColumnExpr("sum(CASE WHEN b.due_date < ? AND b.due_date >= ? THEN "+open+" ELSE 0 END) AS b2", lim[1], lim[2]).
		ColumnExpr("sum(CASE WHEN b.due_date < ? AND b.due_date >= ? THEN "+open+" ELSE 0 END) AS b3", lim[2], lim[3]).
		ColumnExpr("sum(CASE WHEN b.due_date < ? THEN "+open+" ELSE 0 END) AS b4", lim[3])
}

// asOf is an aging query's day: the one given, or the tenant's today.
func (s *Service) asOf(t *tenant.Tenant, day string) (time.Time, error) {
	if day == "" {
		return localDay(s.now(), t.Location()), nil
	}
	return ParseDate(day)
}

// UnitArrears is one unit's arrears by age, for the arrears list (催缴).
type UnitArrears struct {
	UnitID     uuid.UUID `json:"unit_id"`
	Code       string    `json:"code"`
	BuildingID uuid.UUID `json:"building_id"`
	Bills      int       `json:"bills"`
	// OldestDue is the earliest due date of the unit's bills in arrears.
	OldestDue string   `json:"oldest_due"`
	Buckets   [5]int64 `json:"buckets"`
	TotalFen  int64    `json:"total_fen"`
}

// ArrearsByUnit lists the units of an estate with arrears as Aging counts
// them, by unit code, a page of at most limit after the code after (a
// keyset page: give the last row's code for the next).
func (s *Service) ArrearsByUnit(ctx context.Context, t *tenant.Tenant, scope estate.Scope, q AgingQuery, after string, limit int) ([]UnitArrears, error) {
	asOf, err := s.asOf(t, q.AsOf)
	if err != nil {
		return nil, err
	}
	var out []UnitArrears
	err = s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := estate.InScope(ctx, tx, t.ID, scope, q.EstateID); err != nil {
			return err
		}
		// The page's units first: the estate's units in code order, each
		// asked whether it has a bill in arrears (its unpaid bills only,
		// from the unit's index), until the page is full. Summing every
		// bill in arrears of the estate and sorting the units for one page
		// took seconds over 100,000 units.
		has := tx.NewSelect().TableExpr("bills AS b").ColumnExpr("1").
			Where("b.tenant_id = u.tenant_id AND b.unit_id = u.id AND b.status IN (?, ?) AND b.due_date < ?", Open, Partial, formatDate(asOf))
		if q.BuildingID != nil {
			has = has.Where("b.building_id = ?", *q.BuildingID)
		}
		if q.ItemID != nil {
			has = has.Where("b.item_id = ?", *q.ItemID)
		}
		pick := tx.NewSelect().TableExpr("units AS u").Column("u.id").
			Where("u.tenant_id = ? AND u.estate_id = ?", t.ID, q.EstateID).Where("EXISTS (?)", has).
			OrderExpr("u.code").Limit(int64(min(max(limit, 1), 500)))
		if q.BuildingID != nil {
			pick = pick.Where("u.building_id = ?", *q.BuildingID)
		}
		if after != "" {
			pick = pick.Where("u.code > ?", after)
		}
		pick, herr := unitsHaving(tx, pick, q, asOf)
		if herr != nil {
			return herr
		}
		var ids []uuid.UUID
		if err := pick.Scan(ctx, &ids); err != nil || len(ids) == 0 {
			return err
		}
		sel := arrearsOf(tx, t.ID, q, asOf).
			Join("JOIN units AS u ON u.tenant_id = b.tenant_id AND u.id = b.unit_id").
			ColumnExpr("b.unit_id, u.code, u.building_id, count(*) AS bills, min(b.due_date) AS oldest_due").
			Where("b.unit_id IN (?)", bun.In(ids)).
			GroupExpr("b.unit_id, u.code, u.building_id").OrderExpr("u.code")
		var rows []struct {
			UnitID     uuid.UUID `bun:"unit_id,type:uuid"`
			Code       string    `bun:"code"`
			BuildingID uuid.UUID `bun:"building_id,type:uuid"`
			Bills      int       `bun:"bills"`
			OldestDue  string    `bun:"oldest_due"`
			agingSums
		}
		if err := sel.Scan(ctx, &rows); err != nil {
			return err
		}
		for _, r := range rows {
			row := UnitArrears{UnitID: r.UnitID, Code: r.Code, BuildingID: r.BuildingID, Bills: r.Bills, OldestDue: r.OldestDue}
			row.Buckets, row.TotalFen = r.buckets()
			out = append(out, row)
		}
		return nil
	})
	return out, database.Normalize(err)
}

// RateRow is one building and item's collection in a period (see
// docs/fees.md for the definitions).
type RateRow struct {
	BuildingID uuid.UUID `json:"building_id"`
	Building   string    `json:"building"`
	ItemID     uuid.UUID `json:"item_id"`
	Item       string    `json:"item"`
	// ReceivableFen: the period's bills, less their waivers.
	ReceivableFen int64 `json:"receivable_fen"`
	// CollectedFen of those receivables, until the report's end.
	CollectedFen int64 `json:"collected_fen"`
	// ArrearsFen: what earlier periods' bills still owed at the period's start.
	ArrearsFen int64 `json:"arrears_fen"`
	// RecoveredFen of those arrears, collected during the period.
	RecoveredFen int64 `json:"recovered_fen"`
	// Collection is 收缴率 = Collected ÷ Receivable, Recovery 清欠率 =
	// Recovered ÷ Arrears.
	Collection Ratio `json:"collection"`
	Recovery   Ratio `json:"recovery"`
}

// Rates are a period's collection rate (收缴率) and arrears recovery
// (清欠率) by building and item, with the estate's total.
type Rates struct {
	Period string    `json:"period"`
	Rows   []RateRow `json:"rows"`
	Total  RateRow   `json:"total"`
}

// RateQuery names the estate and the period (any cycle's key: 2026-03,
// 2026-Q1, 2026). Until (YYYY-MM-DD, inclusive) is the last day whose
// collections count towards the collection rate; by default the
// period's last day.
type RateQuery struct {
	EstateID uuid.UUID
	Period   string
	Until    string
}

// CollectionRates computes, for a period P of an estate, by building and
// item:
//
//	receivable = Σ (amount − waived) of the bills whose period starts in P
//	collected  = Σ allocations to those bills made before the end of Until
//	arrears    = Σ over bills whose period starts before P of what was still
//	             owed at P's start: amount − waivers approved before it −
//	             allocations made before it, where positive
//	recovered  = Σ over those bills of min(allocations made during P, owed)
//	收缴率 = collected ÷ receivable, 清欠率 = recovered ÷ arrears
//
// Allocations are a payment's money or the prepaid balance applied to the
// bill; a voided payment's allocations count nothing, whenever the void.
func (s *Service) CollectionRates(ctx context.Context, t *tenant.Tenant, scope estate.Scope, q RateQuery) (*Rates, error) {
	p, err := ParsePeriod(q.Period)
	if err != nil {
		return nil, err
	}
	loc := t.Location()
	start, end := instant(p.Start(), loc), instant(p.End(), loc)
	until := end
	if q.Until != "" {
		d, err := ParseDate(q.Until)
		if err != nil {
			return nil, err
		}
		until = instant(d.AddDate(0, 0, 1), loc)
	}
	out := &Rates{Period: p.String(), Rows: []RateRow{}}
	err = s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := estate.InScope(ctx, tx, t.ID, scope, q.EstateID); err != nil {
			return err
		}
		rows := map[lineKey]*RateRow{}
		row := func(b *rateBill) *RateRow {
			k := lineKey{b.BuildingID, b.ItemID}
			if rows[k] == nil {
				rows[k] = &RateRow{BuildingID: b.BuildingID, ItemID: b.ItemID}
			}
			return rows[k]
		}
		// The period's receivables.
		cur := "tenant_id = ? AND estate_id = ? AND period_start >= ? AND period_start < ?"
		curArgs := []any{t.ID, q.EstateID, formatDate(p.Start()), formatDate(p.End())}
		bills, err := rateBills(ctx, tx, cur, curArgs)
		if err != nil {
			return err
		}
		paid, err := allocated(ctx, tx, t.ID, cur, curArgs, time.Time{}, until)
		if err != nil {
			return err
		}
		for _, b := range bills {
			r := row(b)
			r.ReceivableFen += b.AmountFen - b.WaivedFen
			r.CollectedFen += paid[b.ID]
		}
		// Earlier periods' arrears. A bill settled before P and untouched
		// since owed nothing at P's start and took nothing during P.
		old := "tenant_id = ? AND estate_id = ? AND period_start < ? AND (status <> ? OR updated_at >= ?)"
		oldArgs := []any{t.ID, q.EstateID, formatDate(p.Start()), Paid, start}
		if bills, err = rateBills(ctx, tx, old, oldArgs); err != nil {
			return err
		}
		before, err := allocated(ctx, tx, t.ID, old, oldArgs, time.Time{}, start)
		if err != nil {
			return err
		}
		during, err := allocated(ctx, tx, t.ID, old, oldArgs, start, end)
		if err != nil {
			return err
		}
		var waived []struct {
			BillID uuid.UUID `bun:"bill_id,type:uuid"`
			Fen    int64     `bun:"fen"`
		}
		if err := tx.NewSelect().TableExpr("waivers").ColumnExpr("bill_id, sum(amount_fen) AS fen").
			Where("tenant_id = ? AND status = ? AND decided_at < ? AND NOT late_fee", t.ID, WaiverApproved, start).
			Where("bill_id IN (SELECT id FROM bills WHERE "+old+")", oldArgs...).GroupExpr("bill_id").Scan(ctx, &waived); err != nil {
			return err
		}
		waivedBefore := map[uuid.UUID]int64{}
		for _, w := range waived {
			waivedBefore[w.BillID] = w.Fen
		}
		for _, b := range bills {
			owed := b.AmountFen - waivedBefore[b.ID] - before[b.ID]
			if owed <= 0 {
				continue
			}
			r := row(b)
			r.ArrearsFen += owed
			r.RecoveredFen += min(during[b.ID], owed)
		}
		// Order and name the rows as the estate lists buildings and items.
		bs, err := estate.Buildings(ctx, tx, t.ID, q.EstateID, true)
		if err != nil {
			return err
		}
		its, err := itemsOf(ctx, tx, t.ID, q.EstateID, true)
		if err != nil {
			return err
		}
		for _, bd := range bs {
			for _, it := range its {
				r := rows[lineKey{bd.ID, it.ID}]
				if r == nil {
					continue
				}
				r.Building, r.Item = bd.Name, it.Name
				r.Collection, r.Recovery = Ratio{r.CollectedFen, r.ReceivableFen}, Ratio{r.RecoveredFen, r.ArrearsFen}
				out.Rows = append(out.Rows, *r)
				out.Total.ReceivableFen += r.ReceivableFen
				out.Total.CollectedFen += r.CollectedFen
				out.Total.ArrearsFen += r.ArrearsFen
				out.Total.RecoveredFen += r.RecoveredFen
			}
		}
		out.Total.Collection = Ratio{out.Total.CollectedFen, out.Total.ReceivableFen}
		out.Total.Recovery = Ratio{out.Total.RecoveredFen, out.Total.ArrearsFen}
		return nil
	})
	if err != nil {
		return nil, database.Normalize(err)
	}
	return out, nil
}

type rateBill struct {
	ID         uuid.UUID `bun:"id,type:uuid"`
	BuildingID uuid.UUID `bun:"building_id,type:uuid"`
	ItemID     uuid.UUID `bun:"item_id,type:uuid"`
	AmountFen  int64     `bun:"amount_fen"`
	WaivedFen  int64     `bun:"waived_fen"`
}

// rateBills reads the bills of a condition on the bills table.
func rateBills(ctx context.Context, tx bun.Tx, where string, args []any) ([]*rateBill, error) {
	var out []*rateBill
	err := tx.NewSelect().TableExpr("bills").Column("id", "building_id", "item_id", "amount_fen", "waived_fen").Where(where, args...).Scan(ctx, &out)
	return out, err
}

// allocated sums, per bill of a condition, the allocations not voided
// made in [from, to) (from zero: since ever).
func allocated(ctx context.Context, tx bun.Tx, tenantID uuid.UUID, where string, args []any, from, to time.Time) (map[uuid.UUID]int64, error) {
	var rows []struct {
		BillID uuid.UUID `bun:"bill_id,type:uuid"`
		Fen    int64     `bun:"fen"`
	}
	q := tx.NewSelect().TableExpr("payment_allocations").ColumnExpr("bill_id, sum(amount_fen) AS fen").
		Where("tenant_id = ? AND voided_at IS NULL AND at < ?", tenantID, to).
		Where("bill_id IN (SELECT id FROM bills WHERE "+where+")", args...).GroupExpr("bill_id")
	if !from.IsZero() {
		q = q.Where("at >= ?", from)
	}
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID]int64, len(rows))
	for _, r := range rows {
		out[r.BillID] = r.Fen
	}
	return out, nil
}
