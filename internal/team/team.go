// Package team holds the work teams (班组) of an estate — security 安管,
// cleaning 保洁, landscaping 绿化, maintenance 维修 and any others a company
// keeps — with their team leader (班组长) and members. Tickets are
// dispatched to them.
package team

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Kind is what a team does. Display names are translations "team.kind.<kind>".
type Kind string

// The kinds: the four teams the source names, and custom for the rest.
const (
	Security    Kind = "security"
	Cleaning    Kind = "cleaning"
	Landscaping Kind = "landscaping"
	Maintenance Kind = "maintenance"
	Custom      Kind = "custom"
)

var kinds = []Kind{Security, Cleaning, Landscaping, Maintenance, Custom}

// Kinds lists every kind in display order.
func Kinds() []Kind { return slices.Clone(kinds) }

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool { return slices.Contains(kinds, k) }

// standard is the four teams every management office has, with the names
// they go by in the office.
var standard = []struct {
	Kind Kind
	Name string
}{
	{Security, "安管"},
	{Cleaning, "保洁"},
	{Landscaping, "绿化"},
	{Maintenance, "维修"},
}

// MaxNameLen bounds a team name, in characters.
const MaxNameLen = 50

// MaxMembers bounds the members of one team.
const MaxMembers = 500

// Team is a work team of one estate.
type Team struct {
	bun.BaseModel `bun:"table:teams"`

	TenantID   uuid.UUID  `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID         uuid.UUID  `bun:"id,pk,type:uuid" json:"id"`
	EstateID   uuid.UUID  `bun:"estate_id,notnull,type:uuid" json:"estate_id"`
	Kind       Kind       `bun:"kind,notnull" json:"kind"`
	Name       string     `bun:"name,notnull" json:"name"`
	LeaderID   *uuid.UUID `bun:"leader_id,type:uuid" json:"leader_id"`
	ArchivedAt *time.Time `bun:"archived_at" json:"archived_at,omitempty"`
	CreatedAt  time.Time  `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt  time.Time  `bun:"updated_at,notnull" json:"updated_at"`

	// Leader and Members are filled by reads, by name.
	Leader  *Person  `bun:"-" json:"leader"`
	Members []Person `bun:"-" json:"members"`
}

// Person is a leader or member as shown with a team.
type Person struct {
	UserID uuid.UUID `json:"user_id"`
	Name   string    `json:"name"`
	Email  string    `json:"email"`
	// Active is false once the person has left the company; the team keeps
	// them so that past dispatches still name who did the work.
	Active bool `json:"active"`
	// OnDuty is set for members who take round-robin tickets now; the
	// leader is always reachable.
	OnDuty bool `json:"on_duty"`
}

// DisplayName is the name, or the email when no name was given.
func (p Person) DisplayName() string {
	if p.Name != "" {
		return p.Name
	}
	return p.Email
}

// member is one row of team_members.
type member struct {
	bun.BaseModel `bun:"table:team_members"`

	TenantID uuid.UUID `bun:"tenant_id,pk,type:uuid"`
	TeamID   uuid.UUID `bun:"team_id,pk,type:uuid"`
	UserID   uuid.UUID `bun:"user_id,pk,type:uuid"`
	OnDuty   bool      `bun:"on_duty,notnull"`
}

// New builds a team of an estate; the caller checks the leader.
func New(tenantID, estateID uuid.UUID, kind Kind, name string, leaderID *uuid.UUID, now time.Time) (*Team, error) {
	t := &Team{TenantID: tenantID, ID: uuid.Must(uuid.NewV7()), EstateID: estateID, CreatedAt: now}
	if err := t.set(kind, name, leaderID, now); err != nil {
		return nil, err
	}
	return t, nil
}

// Archived reports whether the team was archived.
func (t *Team) Archived() bool { return t.ArchivedAt != nil }

// Edit changes the name, kind and leader of an active team.
func (t *Team) Edit(kind Kind, name string, leaderID *uuid.UUID, now time.Time) error {
	if t.Archived() {
		return ErrArchived
	}
	return t.set(kind, name, leaderID, now)
}

func (t *Team) set(kind Kind, name string, leaderID *uuid.UUID, now time.Time) error {
	name, err := ValidName(name)
	if err != nil {
		return err
	}
	if !kind.Valid() {
		return ErrInvalidKind
	}
	if leaderID != nil && *leaderID == uuid.Nil {
		leaderID = nil
	}
	t.Kind, t.Name, t.LeaderID, t.UpdatedAt = kind, name, leaderID, now
	return nil
}

// Archive retires the team. Its rows stay, so tickets dispatched to it keep
// pointing at it; an archived team takes no more changes.
func (t *Team) Archive(now time.Time) error {
	if t.Archived() {
		return ErrArchived
	}
	t.ArchivedAt, t.UpdatedAt = &now, now
	return nil
}

// StaffWith checks a new member list for an active team and returns it
// without duplicates.
func (t *Team) StaffWith(userIDs []uuid.UUID, now time.Time) ([]uuid.UUID, error) {
	if t.Archived() {
		return nil, ErrArchived
	}
	ids := make([]uuid.UUID, 0, len(userIDs))
	for _, id := range userIDs {
		if id != uuid.Nil && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) > MaxMembers {
		return nil, ErrTooManyMembers
	}
	t.UpdatedAt = now
	return ids, nil
}

// ValidName trims a team name and checks it: 1–50 characters, no control
// characters.
func ValidName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > MaxNameLen || !utf8.ValidString(name) ||
		strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return "", ErrInvalidName
	}
	return name, nil
}

// order sorts teams for display: active before archived, then by kind in
// the order of Kinds, then by name.
func order(a, b Team) int {
	if a.Archived() != b.Archived() {
		if a.Archived() {
			return 1
		}
		return -1
	}
	if ka, kb := slices.Index(kinds, a.Kind), slices.Index(kinds, b.Kind); ka != kb {
		return ka - kb
	}
	return strings.Compare(a.Name, b.Name)
}
