package ticket

import (
	"testing"
	"time"

	"github.com/estatedesk/estatedesk/internal/estate"
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func at(t *testing.T, loc *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	must(t, err)
	return v
}

// Deadline arithmetic in the office's hours (Mon–Fri 08:30–12:00 and
// 13:30–17:30, Asia/Shanghai), with holidays, make-up days and holds.
func TestDeadlinesInBusinessHours(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	must(t, err)
	// 2026-11-27 is a Friday.
	cases := []struct {
		name   string
		days   []estate.CalendarDay
		start  string
		d      time.Duration
		pauses [][2]string
		want   string
	}{
		{name: "within the afternoon", start: "2026-11-27 14:00", d: time.Hour, want: "2026-11-27 15:00"},
		{name: "over the lunch break", start: "2026-11-27 11:30", d: time.Hour, want: "2026-11-27 14:00"},
		{name: "over the weekend", start: "2026-11-27 16:30", d: 4 * time.Hour, want: "2026-11-30 11:30"},
		{name: "received on Saturday", start: "2026-11-28 10:00", d: time.Hour, want: "2026-11-30 09:30"},
		{name: "received at night", start: "2026-11-26 22:00", d: 30 * time.Minute, want: "2026-11-27 09:00"},
		{name: "Monday a holiday", days: []estate.CalendarDay{{Day: "2026-11-30", Kind: estate.Holiday}},
			start: "2026-11-27 16:30", d: 4 * time.Hour, want: "2026-12-01 11:30"},
		{name: "Saturday a make-up day", days: []estate.CalendarDay{{Day: "2026-11-28", Kind: estate.Workday}},
			start: "2026-11-27 16:30", d: 4 * time.Hour, want: "2026-11-28 11:30"},
		{name: "a hold on Monday morning", start: "2026-11-27 16:30", d: 4 * time.Hour,
			pauses: [][2]string{{"2026-11-30 09:00", "2026-11-30 10:00"}}, want: "2026-11-30 14:00"},
		{name: "a hold over the weekend changes nothing", start: "2026-11-27 16:30", d: 4 * time.Hour,
			pauses: [][2]string{{"2026-11-27 17:30", "2026-11-30 08:30"}}, want: "2026-11-30 11:30"},
		{name: "three working days", start: "2026-11-27 09:00", d: 21 * time.Hour, want: "2026-12-01 16:30"},
	}
	for _, c := range cases {
		cal := NewCalendar(sh, estate.DefaultHours(), c.days)
		var pauses []Interval
		for _, p := range c.pauses {
			pauses = append(pauses, Interval{at(t, sh, p[0]), at(t, sh, p[1])})
		}
		start := at(t, sh, c.start)
		got, err := cal.Add(start, c.d, pauses)
		must(t, err)
		if want := at(t, sh, c.want); !got.Equal(want) {
			t.Errorf("%s: %s, want %s", c.name, got.In(sh).Format("2006-01-02 15:04 Mon"), want.Format("2006-01-02 15:04 Mon"))
		}
		if back := cal.Elapsed(start, got, pauses); back != c.d {
			t.Errorf("%s: Elapsed back = %s, want %s", c.name, back, c.d)
		}
	}
}

// Daylight saving: office hours stay on the wall clock; an emergency's
// around-the-clock deadline counts real hours.
func TestDeadlinesAcrossDaylightSaving(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	must(t, err)
	hours := estate.Hours{}
	for d := time.Monday; d <= time.Friday; d++ {
		hours[d] = []estate.Span{{From: "09:00", To: "17:00"}}
	}
	cal := NewCalendar(ny, hours, nil)
	// Clocks spring forward on Sunday 2026-03-08.
	got, err := cal.Add(at(t, ny, "2026-03-06 16:00"), 2*time.Hour, nil)
	must(t, err)
	if want := at(t, ny, "2026-03-09 10:00"); !got.Equal(want) {
		t.Errorf("business hours over DST: %s, want %s", got.In(ny), want)
	}
	start := at(t, ny, "2026-03-07 12:00")
	got, err = AlwaysOpen(ny).Add(start, 24*time.Hour, nil)
	must(t, err)
	if !got.Equal(start.Add(24*time.Hour)) || got.In(ny).Hour() != 13 {
		t.Errorf("emergency over DST: %s, want 24 real hours later (13:00 EDT)", got.In(ny))
	}
	// Fall back: 2026-11-01 has 25 hours.
	start = at(t, ny, "2026-10-31 12:00")
	got, err = AlwaysOpen(ny).Add(start, 24*time.Hour, nil)
	must(t, err)
	if !got.Equal(start.Add(24*time.Hour)) || got.In(ny).Hour() != 11 {
		t.Errorf("emergency over fall-back: %s", got.In(ny))
	}
}

func TestNeverOpenCalendar(t *testing.T) {
	cal := NewCalendar(time.UTC, estate.Hours{time.Monday: nil}, nil)
	if _, err := cal.Add(time.Now(), time.Hour, nil); err != ErrNeverOpen {
		t.Errorf("err = %v, want ErrNeverOpen", err)
	}
}
