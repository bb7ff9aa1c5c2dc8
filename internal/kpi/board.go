package kpi

import (
	"context"
	"slices"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/fee"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// Column is the figures of one estate, or of all the estates in the
// caller's scope (EstateID nil), for a month and the month before.
type Column struct {
	EstateID *uuid.UUID `json:"estate_id"`
	Name     string     `json:"name"`
	Units    int64      `json:"units"`
	Counts   Counts     `json:"counts"`
	Values   []Value    `json:"values"`
	// Previous is the month before's values, in the same order.
	Previous []Value `json:"previous"`
}

// Value finds a figure of the column.
func (c *Column) Value(f Figure) Value {
	for _, v := range c.Values {
		if v.Figure == f {
			return v
		}
	}
	return Value{Figure: f, Unit: f.Unit()}
}

// Board is a month's figures: the estates in the caller's scope side by
// side, with their total.
type Board struct {
	Month   string   `json:"month"`
	Total   Column   `json:"total"`
	Estates []Column `json:"estates"`
}

// monthData is what a month's values are computed from.
type monthData struct {
	counts map[uuid.UUID]*Counts
	hist   map[uuid.UUID]map[int]int64
	rates  map[uuid.UUID]fee.RateRow
}

// Board reads a month's figures of the estates in scope, or of one
// (estateID; outside the scope it is not found).
func (s *Service) Board(ctx context.Context, t *tenant.Tenant, scope estate.Scope, month string, estateID *uuid.UUID) (*Board, error) {
	m, err := ParseMonth(month)
	if err != nil {
		return nil, err
	}
	estates, err := s.estates(ctx, t.ID, scope, estateID)
	if err != nil {
		return nil, err
	}
	ids := make([]uuid.UUID, len(estates))
	for i, e := range estates {
		ids[i] = e.ID
	}
	var cur, prev monthData
	var units map[uuid.UUID]int64
	var tg targets
	err = s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if cur, err = readMonth(ctx, tx, t.ID, ids, m); err != nil {
			return err
		}
		if prev, err = readMonth(ctx, tx, t.ID, ids, m.Add(-1)); err != nil {
			return err
		}
		if units, err = unitCounts(ctx, tx, t.ID, ids); err != nil {
			return err
		}
		tg, err = readTargets(ctx, tx, t.ID)
		return err
	})
	if err != nil {
		return nil, database.Normalize(err)
	}
	for _, md := range []*monthData{&cur, &prev} {
		mm := m
		if md == &prev {
			mm = m.Add(-1)
		}
		if md.rates, err = s.rates(ctx, t, scope, ids, mm); err != nil {
			return nil, err
		}
	}
	b := &Board{Month: m.String(), Estates: []Column{}}
	var totalCur, totalPrev monthSum
	for _, e := range estates {
		col := Column{EstateID: &e.ID, Name: e.Name, Units: units[e.ID]}
		c, p := cur.of(e.ID), prev.of(e.ID)
		col.Counts = c.counts
		col.Values = c.values(col.Units, tg, &e.ID)
		col.Previous = p.values(col.Units, tg, &e.ID)
		b.Estates = append(b.Estates, col)
		totalCur.add(c)
		totalPrev.add(p)
		b.Total.Units += col.Units
	}
	b.Total.Counts = totalCur.counts
	b.Total.Values = totalCur.values(b.Total.Units, tg, nil)
	b.Total.Previous = totalPrev.values(b.Total.Units, tg, nil)
	return b, nil
}

// monthSum is the sums of one estate or several for a month.
type monthSum struct {
	counts Counts
	hist   map[int]int64
	rates  fee.RateRow
}

func (md monthData) of(id uuid.UUID) monthSum {
	var s monthSum
	if c := md.counts[id]; c != nil {
		s.counts = *c
	}
	s.hist = md.hist[id]
	s.rates = md.rates[id]
	return s
}

func (s *monthSum) add(o monthSum) {
	s.counts.add(o.counts)
	if s.hist == nil {
		s.hist = map[int]int64{}
	}
	for k, n := range o.hist {
		s.hist[k] += n
	}
	s.rates.CollectedFen += o.rates.CollectedFen
	s.rates.ReceivableFen += o.rates.ReceivableFen
	s.rates.RecoveredFen += o.rates.RecoveredFen
	s.rates.ArrearsFen += o.rates.ArrearsFen
}

// values are the figures of the sums, judged against the targets of the
// estate (nil: the company's).
func (s monthSum) values(units int64, tg targets, estateID *uuid.UUID) []Value {
	c := s.counts
	med, hasMed := Percentile(s.hist, 50)
	p90, hasP90 := Percentile(s.hist, 90)
	vs := []Value{
		ratio(Satisfaction, c.CbSatisfied, c.CbReached),
		ratio(CallbackRate, c.CallbackDone, c.CallbackDue),
		ratio(MinorOnTime, c.MinorDone-c.MinorLate, c.MinorDone),
		ratio(ComplaintOnTime, c.ComplaintDone-c.ComplaintLate, c.ComplaintDone),
		ratio(FirstFix, c.FirstFix, c.Completed),
		plain(ResponseMedian, med, hasMed),
		plain(ResponseP90, p90, hasP90),
		// Complaints per 100 units: complaints ÷ units × 100, in hundredths,
		// which is the ratio's basis points.
		ratio(ComplaintsPer100, c.Complaints, units),
		plain(Majors, c.Majors, true),
		ratio(Collection, s.rates.CollectedFen, s.rates.ReceivableFen),
		ratio(Recovery, s.rates.RecoveredFen, s.rates.ArrearsFen),
	}
	for i := range vs {
		vs[i].judge(tg.of(estateID, vs[i].Figure))
	}
	return vs
}

// estates are the active estates in scope, or the one asked for.
func (s *Service) estates(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, estateID *uuid.UUID) ([]estate.Estate, error) {
	var out []estate.Estate
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if estateID != nil {
			e, err := estate.InScope(ctx, tx, tenantID, scope, *estateID)
			if err != nil {
				return err
			}
			out = []estate.Estate{*e}
			return nil
		}
		all, err := estate.List(ctx, tx, tenantID, false)
		for _, e := range all {
			if scope.Allows(e.ID) {
				out = append(out, e)
			}
		}
		return err
	})
	return out, database.Normalize(err)
}

// readMonth sums the rollups of a month by estate.
func readMonth(ctx context.Context, tx bun.Tx, tenantID uuid.UUID, ids []uuid.UUID, m Month) (monthData, error) {
	md := monthData{counts: map[uuid.UUID]*Counts{}, hist: map[uuid.UUID]map[int]int64{}}
	if len(ids) == 0 {
		return md, nil
	}
	var rows []struct {
		EstateID uuid.UUID `bun:"estate_id"`
		Counts
	}
	if err := sumCounts(tx.NewSelect().TableExpr("kpi_daily").Column("estate_id")).
		Where("tenant_id = ? AND estate_id IN (?) AND day >= ? AND day < ?", tenantID, bun.In(ids), m.firstDay(), m.endDay()).
		GroupExpr("estate_id").Scan(ctx, &rows); err != nil {
		return md, err
	}
	for i := range rows {
		md.counts[rows[i].EstateID] = &rows[i].Counts
	}
	var hist []struct {
		EstateID uuid.UUID `bun:"estate_id"`
		Minutes  int       `bun:"minutes"`
		N        int64     `bun:"n"`
	}
	if err := tx.NewSelect().TableExpr("kpi_response_daily").ColumnExpr("estate_id, minutes, sum(n) AS n").
		Where("tenant_id = ? AND estate_id IN (?) AND day >= ? AND day < ?", tenantID, bun.In(ids), m.firstDay(), m.endDay()).
		GroupExpr("estate_id, minutes").Scan(ctx, &hist); err != nil {
		return md, err
	}
	for _, h := range hist {
		if md.hist[h.EstateID] == nil {
			md.hist[h.EstateID] = map[int]int64{}
		}
		md.hist[h.EstateID][h.Minutes] = h.N
	}
	return md, nil
}

// countColumns are kpi_daily's counts, summed by the readers.
var countColumns = []string{"received", "complaints", "majors", "completed", "first_fix", "minor_done", "minor_late",
	"complaint_done", "complaint_late", "callback_due", "callback_done", "cb_reached", "cb_satisfied", "breached"}

func sumCounts(q *bun.SelectQuery) *bun.SelectQuery {
	for _, c := range countColumns {
		q = q.ColumnExpr("sum(" + c + ") AS " + c)
	}
	return q
}

// unitCounts are the estates' active units now, which complaints per 100
// units divide by.
func unitCounts(ctx context.Context, tx bun.Tx, tenantID uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]int64, error) {
	out := map[uuid.UUID]int64{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		EstateID uuid.UUID `bun:"estate_id"`
		N        int64     `bun:"n"`
	}
	err := tx.NewSelect().TableExpr("units").ColumnExpr("estate_id, count(*) AS n").
		Where("tenant_id = ? AND estate_id IN (?) AND archived_at IS NULL", tenantID, bun.In(ids)).
		GroupExpr("estate_id").Scan(ctx, &rows)
	for _, r := range rows {
		out[r.EstateID] = r.N
	}
	return out, err
}

// rates are the fee module's collection rates of the month by estate, its
// own computation (fee.CollectionRates) summed over buildings and items.
func (s *Service) rates(ctx context.Context, t *tenant.Tenant, scope estate.Scope, ids []uuid.UUID, m Month) (map[uuid.UUID]fee.RateRow, error) {
	out := map[uuid.UUID]fee.RateRow{}
	if s.fees == nil {
		return out, nil
	}
	for _, id := range slices.Clone(ids) {
		r, err := s.fees.CollectionRates(ctx, t, scope, fee.RateQuery{EstateID: id, Period: m.String()})
		if err != nil {
			return nil, err
		}
		out[id] = r.Total
	}
	return out, nil
}
