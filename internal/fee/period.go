package fee

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Cycle is how often a periodic item is billed.
type Cycle string

const (
	Monthly    Cycle = "monthly"
	Quarterly  Cycle = "quarterly"
	HalfYearly Cycle = "half_yearly"
	Yearly     Cycle = "yearly"
)

// Cycles lists the cycles in display order.
var Cycles = []Cycle{Monthly, Quarterly, HalfYearly, Yearly}

// Valid reports whether c is known.
func (c Cycle) Valid() bool { return slices.Contains(Cycles, c) }

// Months is the length of one period of the cycle.
func (c Cycle) Months() int {
	switch c {
	case Quarterly:
		return 3
	case HalfYearly:
		return 6
	case Yearly:
		return 12
	}
	return 1
}

// Period is one billing period of a cycle: 2026-03 (monthly), 2026-Q1,
// 2026-H1, 2026 (yearly). N is the month, quarter or half (1-based), 0 for
// a year.
type Period struct {
	Cycle Cycle
	Year  int
	N     int
}

// ParsePeriod reads a period key.
func ParsePeriod(key string) (Period, error) {
	key = strings.TrimSpace(key)
	y, rest, _ := strings.Cut(key, "-")
	year, err := strconv.Atoi(y)
	if err != nil || len(y) != 4 || year < 2000 || year > 2999 {
		return Period{}, ErrInvalidPeriod
	}
	p := Period{Cycle: Yearly, Year: year}
	if rest == "" && !strings.Contains(key, "-") {
		return p, nil
	}
	num := func(s string, hi int) (int, bool) {
		n, err := strconv.Atoi(s)
		return n, err == nil && n >= 1 && n <= hi && len(s) <= 2 && !strings.HasPrefix(s, "+")
	}
	var ok bool
	switch {
	case strings.HasPrefix(rest, "Q"):
		p.Cycle = Quarterly
		p.N, ok = num(rest[1:], 4)
		ok = ok && len(rest) == 2
	case strings.HasPrefix(rest, "H"):
		p.Cycle = HalfYearly
		p.N, ok = num(rest[1:], 2)
		ok = ok && len(rest) == 2
	default:
		p.Cycle = Monthly
		p.N, ok = num(rest, 12)
		ok = ok && len(rest) == 2
	}
	if !ok {
		return Period{}, ErrInvalidPeriod
	}
	return p, nil
}

// String is the period's key.
func (p Period) String() string {
	switch p.Cycle {
	case Quarterly:
		return fmt.Sprintf("%d-Q%d", p.Year, p.N)
	case HalfYearly:
		return fmt.Sprintf("%d-H%d", p.Year, p.N)
	case Yearly:
		return strconv.Itoa(p.Year)
	}
	return fmt.Sprintf("%d-%02d", p.Year, p.N)
}

// Start is the period's first day.
func (p Period) Start() time.Time {
	m := 1
	if p.Cycle != Yearly {
		m = (p.N-1)*p.Cycle.Months() + 1
	}
	return time.Date(p.Year, time.Month(m), 1, 0, 0, 0, 0, time.UTC)
}

// End is the day after the period's last.
func (p Period) End() time.Time { return p.Start().AddDate(0, p.Cycle.Months(), 0) }

// Prev is the period before p in its cycle.
func (p Period) Prev() Period {
	return PeriodOf(p.Cycle, p.Start().AddDate(0, -p.Cycle.Months(), 0))
}

// PeriodOf is the period of cycle c that contains day.
func PeriodOf(c Cycle, day time.Time) Period {
	p := Period{Cycle: c, Year: day.Year()}
	if c != Yearly {
		p.N = (int(day.Month())-1)/c.Months() + 1
	}
	return p
}

// DueDate is when a bill of the period is due: the item's due day of the
// period's first month, or that month's last day when it is shorter.
func (p Period) DueDate(dueDay int) time.Time {
	s := p.Start()
	last := s.AddDate(0, 1, -1).Day()
	return time.Date(s.Year(), s.Month(), min(max(dueDay, 1), last), 0, 0, 0, 0, time.UTC)
}

// dateLayout is how days are stored and exchanged: ISO dates in the
// tenant's time zone.
const dateLayout = "2006-01-02"

// ParseDate reads an ISO date (YYYY-MM-DD).
func ParseDate(s string) (time.Time, error) {
	d, err := time.Parse(dateLayout, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, ErrInvalidDate
	}
	return d, nil
}

// formatDate writes a day as stored.
func formatDate(d time.Time) string { return d.Format(dateLayout) }

// localDay is the tenant-local calendar day of an instant, as a UTC
// midnight like the days ParseDate reads.
func localDay(at time.Time, loc *time.Location) time.Time {
	y, m, d := at.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// instant is the moment a tenant-local day begins.
func instant(day time.Time, loc *time.Location) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc).UTC()
}
