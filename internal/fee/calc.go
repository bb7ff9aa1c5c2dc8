package fee

import (
	"cmp"
	"math/big"
	"slices"
	"time"
)

// Charge is everything one bill's amount depends on. The calculation is
// pure: the billing run, its preview and the tests call the same function.
type Charge struct {
	Kind   Kind
	Period Period
	// Price is the rate's price in hundredths of a fen per unit of measure
	// per month (meter items: per unit consumed); Tiers raise it for meter
	// consumption above their thresholds.
	Price int64
	Tiers []Tier
	// Area of the unit in hundredths of a m² (ByArea).
	Area int64
	// Spaces is the number of the unit's parking spaces (FixedParking).
	Spaces int
	// Consumption in hundredths of the unit of measure (ByMeter).
	Consumption int64
	// Vacant units pay VacantPercent of area and per-unit fees.
	Vacant        bool
	VacantPercent int
	// ChargedFrom is the day the unit is charged from (handover); zero for
	// the whole period. See prorate.
	ChargedFrom time.Time
}

// Skip says why a unit gets no bill for an item.
type Skip string

const (
	SkipNone       Skip = ""
	SkipNoRate     Skip = "no_rate"     // no rate in force on the period's first day
	SkipNoReading  Skip = "no_reading"  // meter item without a reading for the period
	SkipNotStarted Skip = "not_started" // charged from a day after the period
	SkipNothing    Skip = "nothing"     // the amount is zero: no spaces, no consumption, free when vacant
)

// Amount is one bill's quantity (hundredths of the unit of measure) and
// amount in fen, or why there is none.
type Amount struct {
	Quantity int64
	Fen      int64
	Skip     Skip
}

// Calculate prices a charge:
//
//	area:          area × price × months
//	fixed_unit:    1 × price × months
//	fixed_parking: spaces × price × months
//	meter:         consumption priced by tiers (no months, no vacancy)
//	one_off:       price
//
// where months counts the period's months from the unit's charged-from
// day (prorate), area and per-unit fees of a vacant unit are multiplied by
// VacantPercent ÷ 100, and the result, in hundredths of a fen × hundredths
// of the unit of measure, is divided by 10,000 and rounded to the fen half
// away from zero — once, at the end.
func Calculate(c Charge) Amount {
	var qty int64
	months := big.NewRat(1, 1)
	switch c.Kind {
	case ByArea, FixedUnit, FixedParking:
		switch c.Kind {
		case ByArea:
			qty = c.Area
		case FixedUnit:
			qty = centi
		default:
			qty = int64(c.Spaces) * centi
		}
		months = prorate(c.Period, c.ChargedFrom)
		if months.Sign() == 0 {
			return Amount{Skip: SkipNotStarted}
		}
		if c.Vacant && c.Kind != FixedParking {
			months.Mul(months, big.NewRat(int64(c.VacantPercent), 100))
		}
	case ByMeter:
		qty = c.Consumption
		fen := roundRat(new(big.Rat).SetFrac(tiered(c.Consumption, c.Price, c.Tiers), big.NewInt(centi*centi)))
		if fen == 0 {
			return Amount{Quantity: qty, Skip: SkipNothing}
		}
		return Amount{Quantity: qty, Fen: fen}
	case OneOff:
		qty = centi
	}
	r := new(big.Rat).SetFrac(new(big.Int).Mul(big.NewInt(qty), big.NewInt(c.Price)), big.NewInt(centi*centi))
	fen := roundRat(r.Mul(r, months))
	if fen == 0 {
		return Amount{Quantity: qty, Skip: SkipNothing}
	}
	return Amount{Quantity: qty, Fen: fen}
}

// prorate is how many months of the period a unit charged from day from
// pays: every month that starts on or after from counts whole; the month
// in which from falls counts its remaining days (from included) over its
// days — a unit handed over on 16 March pays 16/31 of March; months before
// it count nothing. A zero from charges the whole period.
func prorate(p Period, from time.Time) *big.Rat {
	n := p.Cycle.Months()
	if from.IsZero() || !from.After(p.Start()) {
		return big.NewRat(int64(n), 1)
	}
	total := new(big.Rat)
	for m := range n {
		start := p.Start().AddDate(0, m, 0)
		end := start.AddDate(0, 1, 0)
		switch {
		case !from.After(start):
			total.Add(total, big.NewRat(1, 1))
		case from.Before(end):
			// Days are UTC midnights: whole multiples of 24 hours.
			days := int64(end.Sub(start) / (24 * time.Hour))
			left := int64(end.Sub(from) / (24 * time.Hour))
			total.Add(total, big.NewRat(left, days))
		}
	}
	return total
}

// tiered is the price of a consumption in hundredths of a fen ×
// hundredths of the unit: up to the first tier's threshold at price, each
// tier's share at its own price.
func tiered(consumption, price int64, tiers []Tier) *big.Int {
	ts := slices.Clone(tiers)
	slices.SortFunc(ts, func(a, b Tier) int { return cmp.Compare(a.Above, b.Above) })
	sum := new(big.Int)
	add := func(qty, p int64) { sum.Add(sum, new(big.Int).Mul(big.NewInt(qty), big.NewInt(p))) }
	from, at := int64(0), price
	for _, t := range ts {
		if consumption <= t.Above {
			break
		}
		add(t.Above-from, at)
		from, at = t.Above, t.Price
	}
	add(consumption-from, at)
	return sum
}
