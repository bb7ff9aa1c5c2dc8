package kpi

import (
	"time"

	"github.com/estatedesk/estatedesk/internal/fee"
)

// Month is a calendar month of the company's time zone, the period of
// every figure.
type Month struct{ p fee.Period }

// ParseMonth reads "2026-11".
func ParseMonth(s string) (Month, error) {
	p, err := fee.ParsePeriod(s)
	if err != nil || p.Cycle != fee.Monthly {
		return Month{}, ErrInvalidMonth
	}
	return Month{p}, nil
}

// MonthOf is the month of an instant in loc.
func MonthOf(at time.Time, loc *time.Location) Month {
	l := at.In(loc)
	return Month{fee.Period{Cycle: fee.Monthly, Year: l.Year(), N: int(l.Month())}}
}

func (m Month) String() string { return m.p.String() }

// Add is the month n months later (earlier for n < 0).
func (m Month) Add(n int) Month {
	d := m.p.Start().AddDate(0, n, 0)
	return Month{fee.Period{Cycle: fee.Monthly, Year: d.Year(), N: int(d.Month())}}
}

// firstDay and endDay bound the month's rollup days: [firstDay, endDay).
func (m Month) firstDay() string { return m.p.Start().Format(dayFormat) }
func (m Month) endDay() string   { return m.p.End().Format(dayFormat) }

// Bounds are the month's instants in loc: [from, to).
func (m Month) Bounds(loc *time.Location) (from, to time.Time) {
	s, e := m.p.Start(), m.p.End()
	return time.Date(s.Year(), s.Month(), 1, 0, 0, 0, 0, loc).UTC(), time.Date(e.Year(), e.Month(), 1, 0, 0, 0, 0, loc).UTC()
}
