package fee_test

import (
	"errors"
	"testing"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/fee"
)

// Meter readings: the consumption counts from the last reading; a lower
// one is refused unless the meter was replaced; tiers price the run's
// bills.
func TestReadings(t *testing.T) {
	f := setup(t)
	water := f.item(t, fee.ItemInput{Name: "水费", Kind: fee.ByMeter})
	f.rate(t, water, "", "2026-01-01", "3.45", fee.Tier{Above: 2200, Price: 52500})
	f.reading(t, water, "1-101", "2026-01", 50000, false, 0)
	f.reading(t, water, "1-101", "2026-02", 53000, false, 0) // 30 m³
	_, err := f.svc.RecordReading(f.ctx, f.alpha, f.clerk, fee.ReadingInput{UnitID: f.units["1-101"].ID, ItemID: water.ID, Period: "2026-03", Value: 52000})
	if !errors.Is(err, fee.ErrReadingBelowLast) {
		t.Errorf("lower: %v", err)
	}
	f.reading(t, water, "1-101", "2026-03", 1500, true, 0) // new meter: 15 m³
	_, err = f.svc.RecordReading(f.ctx, f.alpha, f.clerk, fee.ReadingInput{UnitID: f.units["1-101"].ID, ItemID: water.ID, Period: "2026-03", Value: 1600})
	if !errors.Is(err, fee.ErrReadingExists) {
		t.Errorf("twice: %v", err)
	}
	for in, want := range map[string]error{
		"quarter":     fee.ErrInvalidPeriod,
		"negative":    fee.ErrInvalidReading,
		"not a meter": fee.ErrNotMeterItem,
	} {
		ri := fee.ReadingInput{UnitID: f.units["1-102"].ID, ItemID: water.ID, Period: "2026-03", Value: 1}
		switch in {
		case "quarter":
			ri.Period = "2026-Q1"
		case "negative":
			ri.Value = -1
		case "not a meter":
			ri.ItemID = f.item(t, fee.ItemInput{Name: "物业费", Kind: fee.FixedUnit}).ID
		}
		if _, err := f.svc.RecordReading(f.ctx, f.alpha, f.clerk, ri); !errors.Is(err, want) {
			t.Errorf("%s: %v", in, err)
		}
	}
	rs, err := f.svc.Readings(f.ctx, f.alpha.ID, f.clerk.Scope, water.ID, "2026-02")
	must(t, err)
	if len(rs) != 1 || rs[0].Consumption() != 3000 || rs[0].Previous != 50000 {
		t.Errorf("readings %+v", rs)
	}
	f.run(t, "2026-02")
	f.run(t, "2026-03")
	// February: 22 × 3.45 + 8 × 5.25 = 117.90; March: 15 × 3.45 = 51.75.
	if b := f.bill(t, "1-101", "2026-02"); b.AmountFen != 11790 || b.Quantity != 3000 {
		t.Errorf("february %+v", b)
	}
	if b := f.bill(t, "1-101", "2026-03"); b.AmountFen != 5175 {
		t.Errorf("march %+v", b)
	}
	if _, err := f.svc.AddRate(f.ctx, f.alpha.ID, f.manager, water.ID, fee.RateInput{EffectiveFrom: "2026-06-01", Price: 1,
		Tiers: []fee.Tier{{Above: 10, Price: 1}, {Above: 5, Price: 2}}}); !errors.Is(err, fee.ErrInvalidTiers) {
		t.Errorf("tiers out of order: %v", err)
	}
}

// A unit handed over mid-month pays from that day; units archived or
// charged from later pay nothing; one-off charges are made one by one.
func TestHandoverAndOneOff(t *testing.T) {
	f := setup(t)
	area := f.item(t, fee.ItemInput{Name: "物业费", Kind: fee.ByArea})
	f.rate(t, area, "", "2026-01-01", "2.35")
	must(t, f.svc.SetChargedFrom(f.ctx, f.alpha.ID, f.clerk.Scope, f.units["1-101"].ID, "2026-03-16"))
	must(t, f.svc.SetChargedFrom(f.ctx, f.alpha.ID, f.clerk.Scope, f.units["2-201"].ID, "2026-05-01"))
	must(t, f.svc.SetChargedFrom(f.ctx, f.alpha.ID, f.clerk.Scope, f.units["2-201"].ID, "2026-04-01")) // corrected
	must(t, f.svc.SetChargedFrom(f.ctx, f.alpha.ID, f.clerk.Scope, f.units["1-102"].ID, "2026-04-01"))
	must(t, f.svc.SetChargedFrom(f.ctx, f.alpha.ID, f.clerk.Scope, f.units["1-102"].ID, "")) // cleared
	if err := f.svc.SetChargedFrom(f.ctx, f.alpha.ID, f.clerk.Scope, f.units["1-102"].ID, "16/03/2026"); !errors.Is(err, fee.ErrInvalidDate) {
		t.Errorf("bad date: %v", err)
	}
	r := f.run(t, "2026-03")
	if r.Created != 3 || r.Summary.Skipped[fee.SkipNotStarted] != 1 {
		t.Errorf("run %+v", r)
	}
	if b := f.bill(t, "1-101", "2026-03"); b.AmountFen != 10855 {
		t.Errorf("half march %+v", b)
	}

	deposit := f.item(t, fee.ItemInput{Name: "装修押金", Kind: fee.OneOff, Refundable: true})
	f.rate(t, deposit, "", "2026-01-01", "2000")
	f.rate(t, deposit, estate.Shop, "2026-01-01", "5000")
	b, err := f.svc.ChargeOneOff(f.ctx, f.alpha, f.clerk, f.units["1-103"].ID, deposit.ID, "2026-03-12", 0)
	must(t, err)
	if b.AmountFen != 500000 || b.Period != "2026-03-12" || b.DueDate != "2026-03-12" {
		t.Errorf("deposit %+v", b)
	}
	if _, err := f.svc.ChargeOneOff(f.ctx, f.alpha, f.clerk, f.units["1-103"].ID, deposit.ID, "2026-03-12", 0); !errors.Is(err, database.ErrConflict) {
		t.Errorf("same charge twice: %v", err)
	}
	if b, err := f.svc.ChargeOneOff(f.ctx, f.alpha, f.clerk, f.units["1-101"].ID, deposit.ID, "2026-03-12", 12345); err != nil || b.AmountFen != 12345 {
		t.Errorf("given amount %+v %v", b, err)
	}
	if _, err := f.svc.ChargeOneOff(f.ctx, f.alpha, f.clerk, f.units["1-101"].ID, area.ID, "2026-03-12", 0); !errors.Is(err, fee.ErrNotOneOff) {
		t.Errorf("periodic item: %v", err)
	}
	// One-off items are not in runs.
	if r := f.run(t, "2026-04"); r.Created != 4 {
		t.Errorf("april %+v", r)
	}
	// Item set-up is checked.
	for want, in := range map[error]fee.ItemInput{
		fee.ErrInvalidName:          {Kind: fee.ByArea, DueDay: 1},
		fee.ErrInvalidKind:          {Name: "x", Kind: "bytime", DueDay: 1},
		fee.ErrInvalidCycle:         {Name: "x", Kind: fee.ByArea, Cycle: "weekly", DueDay: 1},
		fee.ErrInvalidDueDay:        {Name: "x", Kind: fee.ByArea, DueDay: 32},
		fee.ErrInvalidVacantPercent: {Name: "x", Kind: fee.ByArea, DueDay: 1, VacantPercent: 101},
		fee.ErrNameTaken:            {Name: "物业费", Kind: fee.ByArea, DueDay: 1},
	} {
		if _, err := f.svc.CreateItem(f.ctx, f.alpha.ID, f.manager.Scope, f.east.ID, in); !errors.Is(err, want) {
			t.Errorf("%+v: %v, want %v", in, err, want)
		}
	}
	// An archived item leaves runs.
	must(t, f.svc.SetItemArchived(f.ctx, f.alpha.ID, f.manager.Scope, area.ID, true))
	if r := f.run(t, "2026-05"); r.Planned != 0 {
		t.Errorf("archived item billed %+v", r)
	}
}
