// Package estate holds a tenant's portfolio: estates with their calendars,
// buildings, units, and the owners and residents linked to units.
package estate

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Estate is a managed property (小区/项目) with its own management office.
type Estate struct {
	bun.BaseModel `bun:"table:estates"`

	TenantID      uuid.UUID  `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID            uuid.UUID  `bun:"id,pk,type:uuid" json:"id"`
	Name          string     `bun:"name,notnull" json:"name"`
	Address       string     `bun:"address,notnull" json:"address"`
	OfficePhone   string     `bun:"office_phone,notnull" json:"office_phone"`
	BusinessHours Hours      `bun:"business_hours,notnull" json:"business_hours"`
	ArchivedAt    *time.Time `bun:"archived_at" json:"archived_at,omitempty"`
	CreatedAt     time.Time  `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt     time.Time  `bun:"updated_at,notnull" json:"updated_at"`
}

// Span is one opening period of a day, "08:30"–"17:30".
type Span struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Hours are the office's opening periods per weekday (0 = Sunday). An
// estate without hours set uses DefaultHours.
type Hours map[time.Weekday][]Span

// DefaultHours: Monday to Friday 08:30–12:00 and 13:30–17:30, the usual
// hours of a Chinese management office.
func DefaultHours() Hours {
	h := Hours{}
	for d := time.Monday; d <= time.Friday; d++ {
		h[d] = []Span{{"08:30", "12:00"}, {"13:30", "17:30"}}
	}
	return h
}

// Value stores hours as JSON text.
func (h Hours) Value() (any, error) {
	if len(h) == 0 {
		return "", nil
	}
	b, err := json.Marshal(map[time.Weekday][]Span(h))
	return string(b), err
}

// Scan reads hours stored by Value.
func (h *Hours) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	case nil:
	}
	*h = Hours{}
	if len(b) == 0 {
		return nil
	}
	m := map[time.Weekday][]Span{}
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*h = m
	return nil
}

// Validate checks every span is HH:MM–HH:MM with From before To, in order
// and not overlapping.
func (h Hours) Validate() error {
	for d, spans := range h {
		if d < time.Sunday || d > time.Saturday {
			return ErrInvalidHours
		}
		prev := ""
		for _, s := range spans {
			f, err1 := time.Parse("15:04", s.From)
			t, err2 := time.Parse("15:04", s.To)
			if err1 != nil || err2 != nil || !f.Before(t) || (prev != "" && s.From < prev) {
				return ErrInvalidHours
			}
			prev = s.To
		}
	}
	return nil
}

// DayKind tells holidays from make-up working days.
type DayKind string

const (
	Holiday DayKind = "holiday" // a working day on which the office is closed
	Workday DayKind = "workday" // a weekend day on which it opens (调休)
)

// CalendarDay is an exception to the weekly hours.
type CalendarDay struct {
	bun.BaseModel `bun:"table:estate_calendar_days"`

	TenantID uuid.UUID `bun:"tenant_id,pk,type:uuid" json:"-"`
	EstateID uuid.UUID `bun:"estate_id,pk,type:uuid" json:"-"`
	Day      string    `bun:"day,pk" json:"day"` // YYYY-MM-DD
	Kind     DayKind   `bun:"kind,notnull" json:"kind"`
	Name     string    `bun:"name,notnull" json:"name"`
}
