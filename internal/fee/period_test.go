package fee

import (
	"testing"
	"time"
)

func day(s string) time.Time {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestPeriods(t *testing.T) {
	for _, c := range []struct {
		key        string
		cycle      Cycle
		start, end string
		prev       string
		due        string // with due day 31
	}{
		{"2026-03", Monthly, "2026-03-01", "2026-04-01", "2026-02", "2026-03-31"},
		{"2026-01", Monthly, "2026-01-01", "2026-02-01", "2025-12", "2026-01-31"},
		{"2026-02", Monthly, "2026-02-01", "2026-03-01", "2026-01", "2026-02-28"},
		{"2026-Q1", Quarterly, "2026-01-01", "2026-04-01", "2025-Q4", "2026-01-31"},
		{"2026-Q4", Quarterly, "2026-10-01", "2027-01-01", "2026-Q3", "2026-10-31"},
		{"2026-H2", HalfYearly, "2026-07-01", "2027-01-01", "2026-H1", "2026-07-31"},
		{"2026-H1", HalfYearly, "2026-01-01", "2026-07-01", "2025-H2", "2026-01-31"},
		{"2026", Yearly, "2026-01-01", "2027-01-01", "2025", "2026-01-31"},
	} {
		p, err := ParsePeriod(c.key)
		if err != nil {
			t.Fatalf("%s: %v", c.key, err)
		}
		if p.Cycle != c.cycle || p.String() != c.key || formatDate(p.Start()) != c.start || formatDate(p.End()) != c.end ||
			p.Prev().String() != c.prev || formatDate(p.DueDate(31)) != c.due {
			t.Errorf("%s: %+v start %s end %s prev %s due %s", c.key, p, p.Start(), p.End(), p.Prev(), p.DueDate(31))
		}
		if PeriodOf(p.Cycle, p.End().AddDate(0, 0, -1)) != p || PeriodOf(p.Cycle, p.Start()) != p {
			t.Errorf("%s: PeriodOf disagrees", c.key)
		}
	}
	for _, bad := range []string{"", "26-03", "2026-3", "2026-13", "2026-00", "2026-Q5", "2026-Q0", "2026-H3", "2026-", "2026-X1", "2026-Q+1", "abcd", "1999-01"} {
		if _, err := ParsePeriod(bad); err != ErrInvalidPeriod {
			t.Errorf("ParsePeriod(%q): %v", bad, err)
		}
	}
	if d := (Period{Monthly, 2026, 3}).DueDate(15); formatDate(d) != "2026-03-15" {
		t.Errorf("due %s", d)
	}
}
