package estate

import (
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Person is an owner or resident (业主/住户). No national ID numbers are kept.
type Person struct {
	bun.BaseModel `bun:"table:persons"`

	TenantID   uuid.UUID  `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID         uuid.UUID  `bun:"id,pk,type:uuid" json:"id"`
	Name       string     `bun:"name,notnull" json:"name"`
	Email      string     `bun:"email,notnull" json:"email,omitempty"`
	Notes      string     `bun:"notes,notnull" json:"notes,omitempty"`
	ArchivedAt *time.Time `bun:"archived_at" json:"archived_at,omitempty"`
	CreatedAt  time.Time  `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt  time.Time  `bun:"updated_at,notnull" json:"updated_at"`

	Phones []string `bun:"-" json:"phones"`
}

type personPhone struct {
	bun.BaseModel `bun:"table:person_phones"`

	TenantID uuid.UUID `bun:"tenant_id,pk,type:uuid"`
	PersonID uuid.UUID `bun:"person_id,pk,type:uuid"`
	Phone    string    `bun:"phone,pk"`
	Last4    string    `bun:"last4,notnull"`
	Position int       `bun:"position,notnull"`
}

// NormalizePhone keeps the digits of a Chinese phone number (mobile or
// landline with area code); a leading +86/0086 is dropped, giving a
// landline back the 0 of its area code. It answers ""
// for something that is not a phone number.
func NormalizePhone(s string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case unicode.IsDigit(r) && r < 128:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '+' || r == '　':
		default:
			return ""
		}
	}
	d := b.String()
	country := false
	switch {
	case strings.HasPrefix(d, "0086"):
		d, country = d[4:], true
	case strings.HasPrefix(d, "86") && (len(d) == 13 || strings.HasPrefix(strings.TrimSpace(s), "+")):
		d, country = d[2:], true
	}
	// After the country code a landline's area code drops its trunk 0
	// (+86 21 6234 5670 is 021 6234 5670, +86 10 … Beijing's 010 …); a
	// mobile number (11 digits from 1) has none.
	if country && d != "" && d[0] != '0' && (d[0] != '1' || len(d) != 11) {
		d = "0" + d
	}
	if len(d) < 7 || len(d) > 15 {
		return ""
	}
	return d
}

// Relation is how a person is linked to a unit.
type Relation string

const (
	OwnerRel    Relation = "owner"
	ResidentRel Relation = "resident"
	FamilyRel   Relation = "family"
	RenterRel   Relation = "renter"
)

// Relations lists the relations in display order.
var Relations = []Relation{OwnerRel, ResidentRel, FamilyRel, RenterRel}

// Valid reports whether r is known.
func (r Relation) Valid() bool { return slices.Contains(Relations, r) }

// Link ties a person to a unit for a period. Ending a link (to_date) keeps
// the history of who lived where.
type Link struct {
	bun.BaseModel `bun:"table:unit_persons"`

	TenantID       uuid.UUID `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID             uuid.UUID `bun:"id,pk,type:uuid" json:"id"`
	UnitID         uuid.UUID `bun:"unit_id,notnull,type:uuid" json:"unit_id"`
	PersonID       uuid.UUID `bun:"person_id,notnull,type:uuid" json:"person_id"`
	Relation       Relation  `bun:"relation,notnull" json:"relation"`
	PrimaryContact bool      `bun:"primary_contact,notnull" json:"primary_contact"`
	From           string    `bun:"from_date,notnull" json:"from,omitempty"`
	To             string    `bun:"to_date,notnull" json:"to,omitempty"`
	CreatedAt      time.Time `bun:"created_at,notnull" json:"created_at"`
}

// Current: the link has not ended by today (YYYY-MM-DD).
func (l *Link) Current(today string) bool { return l.To == "" || l.To >= today }
