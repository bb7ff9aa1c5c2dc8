package account

import (
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Invitation asks a person by email to join a tenant with given roles.
type Invitation struct {
	bun.BaseModel `bun:"table:invitations"`

	TenantID    uuid.UUID  `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID          uuid.UUID  `bun:"id,pk,type:uuid" json:"id"`
	Email       string     `bun:"email,notnull" json:"email"`
	Name        string     `bun:"name,notnull" json:"name"`
	RolesText   string     `bun:"roles,notnull" json:"-"`
	EstatesText string     `bun:"estate_ids,notnull" json:"-"`
	TokenHash   string     `bun:"token_hash,notnull" json:"-"`
	InvitedBy   *uuid.UUID `bun:"invited_by,type:uuid" json:"-"`
	CreatedAt   time.Time  `bun:"created_at,notnull" json:"created_at"`
	ExpiresAt   time.Time  `bun:"expires_at,notnull" json:"expires_at"`
	AcceptedAt  *time.Time `bun:"accepted_at" json:"accepted_at,omitempty"`
	RevokedAt   *time.Time `bun:"revoked_at" json:"-"`
}

// Roles the invitee will get.
func (i *Invitation) Roles() []string { return splitList(i.RolesText) }

// EstateIDs the invitee will be scoped to.
func (i *Invitation) EstateIDs() []uuid.UUID {
	var ids []uuid.UUID
	for _, s := range splitList(i.EstatesText) {
		if id, err := uuid.Parse(s); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// Pending: neither accepted, revoked nor expired at now.
func (i *Invitation) Pending(now time.Time) bool {
	return i.AcceptedAt == nil && i.RevokedAt == nil && now.Before(i.ExpiresAt)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
