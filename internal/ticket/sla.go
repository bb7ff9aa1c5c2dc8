package ticket

import (
	"errors"
	"time"

	"github.com/estatedesk/estatedesk/internal/estate"
)

// Calendar says when an estate's office is open, in its time zone: the
// weekly hours, minus holidays, plus make-up working days (调休), which
// keep Monday's hours. Deadlines count only open time; emergencies use an
// always-open calendar.
type Calendar struct {
	loc      *time.Location
	open     [7][]clockSpan // by weekday
	holidays map[int]bool   // by dateKey
	workdays map[int]bool
	always   bool
}

// clockSpan is an opening period in wall-clock hours and minutes.
type clockSpan struct{ fromH, fromM, toH, toM int }

func dateKey(y int, m time.Month, d int) int { return y*10000 + int(m)*100 + d }

// NewCalendar builds an estate's calendar. It is read-only once built, so
// one calendar can serve many deadlines at once.
func NewCalendar(loc *time.Location, hours estate.Hours, days []estate.CalendarDay) *Calendar {
	if len(hours) == 0 {
		hours = estate.DefaultHours()
	}
	c := &Calendar{loc: loc, holidays: map[int]bool{}, workdays: map[int]bool{}}
	for wd, spans := range hours {
		for _, sp := range spans {
			f, err1 := time.Parse("15:04", sp.From)
			t, err2 := time.Parse("15:04", sp.To)
			if err1 != nil || err2 != nil || wd < time.Sunday || wd > time.Saturday {
				continue
			}
			c.open[wd] = append(c.open[wd], clockSpan{f.Hour(), f.Minute(), t.Hour(), t.Minute()})
		}
	}
	for _, d := range days {
		day, err := time.Parse("2006-01-02", d.Day)
		if err != nil {
			continue
		}
		if k := dateKey(day.Date()); d.Kind == estate.Holiday {
			c.holidays[k] = true
		} else {
			c.workdays[k] = true
		}
	}
	return c
}

// AlwaysOpen is the calendar of emergencies: every hour counts.
func AlwaysOpen(loc *time.Location) *Calendar { return &Calendar{loc: loc, always: true} }

// Interval is a closed span of time, e.g. a hold.
type Interval struct{ From, To time.Time }

// ErrNeverOpen: the calendar has no open time within the search horizon.
var ErrNeverOpen = errors.New("ticket: the calendar is never open")

// horizon bounds the search for open time: a deadline further than this is
// a misconfigured calendar, not a real one.
const horizon = 3 * 366

// periods are the open spans of one local date, in absolute time. Building
// them from wall-clock times makes daylight saving come out right.
func (c *Calendar) periods(day time.Time) []Interval {
	y, m, d := day.Date()
	if c.always {
		return []Interval{{time.Date(y, m, d, 0, 0, 0, 0, c.loc), time.Date(y, m, d+1, 0, 0, 0, 0, c.loc)}}
	}
	key := dateKey(y, m, d)
	spans := c.open[day.Weekday()]
	switch {
	case c.holidays[key]:
		return nil
	case c.workdays[key] && len(spans) == 0:
		spans = c.open[time.Monday]
	}
	out := make([]Interval, len(spans))
	for i, sp := range spans {
		out[i] = Interval{
			time.Date(y, m, d, sp.fromH, sp.fromM, 0, 0, c.loc),
			time.Date(y, m, d, sp.toH, sp.toM, 0, 0, c.loc),
		}
	}
	return out
}

// free cuts the pauses out of span.
func free(span Interval, pauses []Interval) []Interval {
	out := []Interval{span}
	for _, p := range pauses {
		var next []Interval
		for _, s := range out {
			if !p.From.Before(s.To) || !p.To.After(s.From) {
				next = append(next, s)
				continue
			}
			if s.From.Before(p.From) {
				next = append(next, Interval{s.From, p.From})
			}
			if p.To.Before(s.To) {
				next = append(next, Interval{p.To, s.To})
			}
		}
		out = next
	}
	return out
}

// walk calls fn with each stretch of open, unpaused time from start on,
// in order, until fn returns false.
func (c *Calendar) walk(start time.Time, pauses []Interval, fn func(Interval) bool) error {
	local := start.In(c.loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 12, 0, 0, 0, c.loc)
	for i := 0; i < horizon; i++ {
		for _, p := range c.periods(day.AddDate(0, 0, i)) {
			if !p.To.After(start) {
				continue
			}
			if p.From.Before(start) {
				p.From = start
			}
			for _, s := range free(p, pauses) {
				if !fn(s) {
					return nil
				}
			}
		}
	}
	return ErrNeverOpen
}

// Add is the instant at which d of open time has passed after start,
// not counting the pauses (closed intervals).
func (c *Calendar) Add(start time.Time, d time.Duration, pauses []Interval) (time.Time, error) {
	if d <= 0 {
		return start, nil
	}
	var at time.Time
	left := d
	err := c.walk(start, pauses, func(s Interval) bool {
		if n := s.To.Sub(s.From); n < left {
			left -= n
			return true
		}
		at = s.From.Add(left)
		return false
	})
	// The walk runs in the calendar's zone; instants leave it in UTC, the
	// one form the API writes.
	return at.UTC(), err
}

// Next is the first open instant at or after t: t itself while the
// office is open.
func (c *Calendar) Next(t time.Time) (time.Time, error) {
	var at time.Time
	err := c.walk(t, nil, func(s Interval) bool {
		at = s.From
		return false
	})
	return at, err
}

// Elapsed is the open, unpaused time between from and to.
func (c *Calendar) Elapsed(from, to time.Time, pauses []Interval) time.Duration {
	var total time.Duration
	_ = c.walk(from, pauses, func(s Interval) bool {
		if !s.From.Before(to) {
			return false
		}
		if s.To.After(to) {
			s.To = to
		}
		total += s.To.Sub(s.From)
		return true
	})
	return total
}
