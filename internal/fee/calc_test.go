package fee

import (
	"testing"

	"github.com/estatedesk/estatedesk/internal/estate"
)

func TestCalculate(t *testing.T) {
	mar := Period{Monthly, 2026, 3}
	q1 := Period{Quarterly, 2026, 1}
	water := []Tier{{Above: 2200, Price: 52500}, {Above: 3000, Price: 70000}}
	for _, c := range []struct {
		name string
		c    Charge
		want Amount
	}{
		// 89.50 m² × ¥2.35 = ¥210.325 → ¥210.33 (half away from zero).
		{"area", Charge{Kind: ByArea, Period: mar, Price: 23500, Area: 8950}, Amount{8950, 21033, ""}},
		{"area quarter", Charge{Kind: ByArea, Period: q1, Price: 23500, Area: 8950}, Amount{8950, 63098, ""}},
		{"area rounds down below half", Charge{Kind: ByArea, Period: mar, Price: 23500, Area: 8910}, Amount{8910, 20939, ""}},
		{"fixed unit", Charge{Kind: FixedUnit, Period: mar, Price: 500000}, Amount{100, 5000, ""}},
		{"fixed unit quarter", Charge{Kind: FixedUnit, Period: q1, Price: 500000}, Amount{100, 15000, ""}},
		{"parking two spaces", Charge{Kind: FixedParking, Period: mar, Price: 1500000, Spaces: 2}, Amount{200, 30000, ""}},
		{"parking none", Charge{Kind: FixedParking, Period: mar, Price: 1500000}, Amount{0, 0, SkipNothing}},
		{"parking not discounted when vacant", Charge{Kind: FixedParking, Period: mar, Price: 1500000, Spaces: 1, Vacant: true, VacantPercent: 50}, Amount{100, 15000, ""}},
		// 12.34 m³ × ¥3.45 = ¥42.573 → ¥42.57.
		{"meter flat", Charge{Kind: ByMeter, Period: mar, Price: 34500, Consumption: 1234}, Amount{1234, 4257, ""}},
		// 22 × 3.45 + 8 × 5.25 + 5 × 7.00 = 75.90 + 42.00 + 35.00.
		{"meter tiers", Charge{Kind: ByMeter, Period: mar, Price: 34500, Tiers: water, Consumption: 3500}, Amount{3500, 15290, ""}},
		{"meter within first tier", Charge{Kind: ByMeter, Period: mar, Price: 34500, Tiers: water, Consumption: 2200}, Amount{2200, 7590, ""}},
		{"meter tiers unsorted", Charge{Kind: ByMeter, Period: mar, Price: 34500, Tiers: []Tier{water[1], water[0]}, Consumption: 3500}, Amount{3500, 15290, ""}},
		{"meter zero", Charge{Kind: ByMeter, Period: mar, Price: 34500}, Amount{0, 0, SkipNothing}},
		{"meter ignores vacancy and start", Charge{Kind: ByMeter, Period: mar, Price: 34500, Consumption: 100, Vacant: true, VacantPercent: 0, ChargedFrom: day("2026-03-20")}, Amount{100, 345, ""}},
		{"one-off", Charge{Kind: OneOff, Price: 20000000}, Amount{100, 200000, ""}},
		// Vacant at 70%: 210.325 × 0.7 = 147.2275 → 147.23.
		{"vacant 70%", Charge{Kind: ByArea, Period: mar, Price: 23500, Area: 8950, Vacant: true, VacantPercent: 70}, Amount{8950, 14723, ""}},
		{"vacant free", Charge{Kind: FixedUnit, Period: mar, Price: 500000, Vacant: true, VacantPercent: 0}, Amount{100, 0, SkipNothing}},
		{"occupied ignores vacant rate", Charge{Kind: FixedUnit, Period: mar, Price: 500000, VacantPercent: 0}, Amount{100, 5000, ""}},
		// Handed over 16 March: 16 of 31 days. 210.325 × 16/31 = 108.554… → 108.55.
		{"handover mid-month", Charge{Kind: ByArea, Period: mar, Price: 23500, Area: 8950, ChargedFrom: day("2026-03-16")}, Amount{8950, 10855, ""}},
		{"handover on the first", Charge{Kind: ByArea, Period: mar, Price: 23500, Area: 8950, ChargedFrom: day("2026-03-01")}, Amount{8950, 21033, ""}},
		{"handover before", Charge{Kind: ByArea, Period: mar, Price: 23500, Area: 8950, ChargedFrom: day("2025-07-09")}, Amount{8950, 21033, ""}},
		{"handover after", Charge{Kind: ByArea, Period: mar, Price: 23500, Area: 8950, ChargedFrom: day("2026-04-01")}, Amount{Skip: SkipNotStarted}},
		// Q1 from 15 Feb: Feb 14/28 + March whole = 1.5 months × ¥50.
		{"handover mid-quarter", Charge{Kind: FixedUnit, Period: q1, Price: 500000, ChargedFrom: day("2026-02-15")}, Amount{100, 7500, ""}},
		{"handover last day of month", Charge{Kind: FixedUnit, Period: mar, Price: 310000, ChargedFrom: day("2026-03-31")}, Amount{100, 100, ""}},
		{"vacant and handover", Charge{Kind: FixedUnit, Period: q1, Price: 500000, ChargedFrom: day("2026-02-15"), Vacant: true, VacantPercent: 70}, Amount{100, 5250, ""}},
	} {
		if got := Calculate(c.c); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

// A rate applies to the periods from its day on: the one in force on a
// period's first day prices it, a rate for the unit's kind before one for
// all kinds.
func TestRateFor(t *testing.T) {
	rates := []Rate{
		{EffectiveFrom: "2025-01-01", Price: 1},
		{EffectiveFrom: "2026-04-01", Price: 2},
		{EffectiveFrom: "2026-03-15", Price: 9}, // mid-March: from April's period on
		{EffectiveFrom: "2025-06-01", Price: 3, UnitKind: estate.Shop},
		{EffectiveFrom: "2026-07-01", Price: 4, UnitKind: estate.Shop},
	}
	for _, c := range []struct {
		kind  estate.UnitKind
		start string
		want  int64
	}{
		{estate.Home, "2024-12-01", 0},
		{estate.Home, "2025-01-01", 1},
		{estate.Home, "2026-03-01", 1},
		{estate.Home, "2026-04-01", 2},
		{estate.Shop, "2025-05-01", 1},
		{estate.Shop, "2026-04-01", 3},
		{estate.Shop, "2026-07-01", 4},
		{estate.Office, "2026-05-01", 2},
	} {
		r := rateFor(rates, c.kind, day(c.start))
		got := int64(0)
		if r != nil {
			got = r.Price
		}
		if got != c.want {
			t.Errorf("%s on %s: %d, want %d", c.kind, c.start, got, c.want)
		}
	}
}
