// Package resident is the residents' side of the domain: who a resident
// is (a mobile number linked to units of the company), how they sign in
// (a one-time code by SMS) and their sessions. The portal (internal/portal)
// is its HTTP face.
package resident

import (
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/estate"
)

// Session is a resident's signed-in phone. It belongs to the company whose
// portal it was opened on and is never a staff session.
type Session struct {
	bun.BaseModel `bun:"table:resident_sessions"`

	TenantID   uuid.UUID  `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID         uuid.UUID  `bun:"id,pk,type:uuid" json:"id"`
	TokenHash  string     `bun:"token_hash,notnull" json:"-"`
	Phone      string     `bun:"phone,notnull" json:"-"`
	CSRFToken  string     `bun:"csrf_token,notnull" json:"-"`
	UserAgent  string     `bun:"user_agent,notnull" json:"user_agent"`
	IP         string     `bun:"ip,notnull" json:"ip"`
	CreatedAt  time.Time  `bun:"created_at,notnull" json:"created_at"`
	LastSeenAt time.Time  `bun:"last_seen_at,notnull" json:"last_seen_at"`
	ExpiresAt  time.Time  `bun:"expires_at,notnull" json:"expires_at"`
	RevokedAt  *time.Time `bun:"revoked_at" json:"-"`
}

type code struct {
	bun.BaseModel `bun:"table:resident_codes"`

	TenantID  uuid.UUID  `bun:"tenant_id,pk,type:uuid"`
	ID        uuid.UUID  `bun:"id,pk,type:uuid"`
	Phone     string     `bun:"phone,notnull"`
	IP        string     `bun:"ip,notnull"`
	CodeHash  string     `bun:"code_hash,notnull"`
	Attempts  int        `bun:"attempts,notnull"`
	CreatedAt time.Time  `bun:"created_at,notnull"`
	ExpiresAt time.Time  `bun:"expires_at,notnull"`
	UsedAt    *time.Time `bun:"used_at"`
}

// Home is one unit a resident is linked to, with its household.
type Home struct {
	UnitID    uuid.UUID
	EstateID  uuid.UUID
	Estate    string
	Code      string
	Relation  estate.Relation
	Household []Member
}

// Member is someone of a household as a resident sees them: a name and a
// relation, never their phones.
type Member struct {
	Name     string
	Relation estate.Relation
	You      bool
}

// Client is where a request comes from.
type Client struct {
	IP        string
	UserAgent string
}

// MobilePhone normalizes a mainland mobile number (11 digits from 1, a
// +86 prefix and separators allowed), or answers "".
func MobilePhone(s string) string {
	p := estate.NormalizePhone(s)
	if len(p) != 11 || p[0] != '1' {
		return ""
	}
	return p
}
