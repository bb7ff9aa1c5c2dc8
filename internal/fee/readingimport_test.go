package fee_test

import (
	"context"
	"errors"
	"testing"

	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/fee"
)

// The rows of a meter-readings import, checked as a dry run (a reading
// lower than the last is an error unless the meter was replaced; unknown
// units and items; a row twice), then written; the billing run bills
// from them, and the same file again records nothing.
func TestPlanReadingsImport(t *testing.T) {
	f := setup(t)
	water := f.item(t, fee.ItemInput{Name: "水费", Kind: fee.ByMeter})
	f.rate(t, water, "", "2026-01-01", "3.45")
	f.reading(t, water, "1-101", "2026-01", 50000, false, 0)
	f.reading(t, water, "1-103", "2026-01", 80000, false, 0)
	f.reading(t, water, "2-201", "2026-01", 10000, false, 0)
	rows := []fee.ReadingRow{
		{Row: 2, Building: "1", Number: "101", Item: "水费", Period: "2026-02", Value: 53000},
		{Row: 3, Building: "1", Number: "103", Item: "水费", Period: "2026-02", Value: 500, Replaced: true, Start: 0},
		{Row: 4, Building: "2", Number: "201", Item: "水费", Period: "2026-02", Value: 9000},
		{Row: 5, Building: "9", Number: "999", Item: "水费", Period: "2026-02", Value: 100},
		{Row: 6, Building: "1", Number: "102", Item: "电费", Period: "2026-02", Value: 100},
		{Row: 7, Building: "1", Number: "101", Item: "水费", Period: "2026-02", Value: 53000},
		{Row: 8, Building: "1", Number: "102", Item: "水费", Period: "2026/02", Value: 100},
	}
	var plan *fee.ReadingPlan
	var probs []fee.ReadingProblem
	must(t, f.db.ReadTenant(f.ctx, f.alpha.ID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		plan, probs, err = fee.PlanReadings(ctx, tx, f.alpha, f.east.ID, rows, f.clerk.UserID, f.clock.Now())
		return err
	}))
	if plan.New != 2 || plan.Replaced != 1 || plan.Unchanged != 0 || plan.Work() != 2 {
		t.Errorf("plan %+v", plan)
	}
	want := []struct {
		row   int
		field string
		err   error
	}{
		{4, fee.FieldReading, fee.ErrReadingBelowLast},
		{5, fee.FieldUnit, fee.ErrUnknownUnitCode},
		{6, fee.FieldItem, fee.ErrUnknownItem},
		{7, fee.FieldUnit, nil},
		{8, fee.FieldPeriod, fee.ErrInvalidPeriod},
	}
	if len(probs) != len(want) {
		t.Fatalf("problems %+v", probs)
	}
	for i, w := range want {
		p := probs[i]
		if p.Row != w.row || p.Field != w.field || (w.err != nil && !errors.Is(p.Err, w.err)) || (w.err == nil && (!fee.IsDuplicateRow(p.Err) || p.FirstRow != 2)) {
			t.Errorf("problem %d: %+v, want %+v", i, p, w)
		}
	}
	if probs[0].Last != 10000 {
		t.Errorf("the lower reading's last %d", probs[0].Last)
	}
	// Applied: the run bills 30 m³ for 1-101 and the new meter's 5 m³ for 1-103.
	must(t, f.db.InTenant(f.ctx, f.alpha.ID, func(ctx context.Context, tx bun.Tx) error {
		return plan.Write(ctx, tx, func(int) {})
	}))
	f.run(t, "2026-02")
	if b := f.bill(t, "1-101", "2026-02"); b.Quantity != 3000 || b.AmountFen != 10350 {
		t.Errorf("1-101 %+v", b)
	}
	if b := f.bill(t, "1-103", "2026-02"); b.Quantity != 500 || b.AmountFen != 1725 {
		t.Errorf("1-103 %+v", b)
	}
	// The same file again: the readings recorded are unchanged.
	must(t, f.db.ReadTenant(f.ctx, f.alpha.ID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		plan, _, err = fee.PlanReadings(ctx, tx, f.alpha, f.east.ID, rows[:2], f.clerk.UserID, f.clock.Now())
		return err
	}))
	if plan.New != 0 || plan.Unchanged != 2 {
		t.Errorf("again %+v", plan)
	}
}
