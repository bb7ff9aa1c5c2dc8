package account

import (
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// SessionKind tells a browser session from an API bearer token.
type SessionKind string

const (
	KindWeb SessionKind = "web"
	KindAPI SessionKind = "api"
)

// Session is a signed-in browser or an API token; both can be listed and ended.
type Session struct {
	bun.BaseModel `bun:"table:sessions"`

	ID         uuid.UUID   `bun:"id,pk,type:uuid" json:"id"`
	TokenHash  string      `bun:"token_hash,notnull" json:"-"`
	UserID     uuid.UUID   `bun:"user_id,notnull,type:uuid" json:"-"`
	Kind       SessionKind `bun:"kind,notnull" json:"kind"`
	CSRFToken  string      `bun:"csrf_token,notnull" json:"-"`
	UserAgent  string      `bun:"user_agent,notnull" json:"user_agent"`
	IP         string      `bun:"ip,notnull" json:"ip"`
	CreatedAt  time.Time   `bun:"created_at,notnull" json:"created_at"`
	LastSeenAt time.Time   `bun:"last_seen_at,notnull" json:"last_seen_at"`
	ExpiresAt  time.Time   `bun:"expires_at,notnull" json:"expires_at"`
	RevokedAt  *time.Time  `bun:"revoked_at" json:"-"`
	// AwaitingSecondFactor: the password was right, the code is still due;
	// nothing but the code page is open to the session.
	AwaitingSecondFactor bool `bun:"awaiting_second_factor,notnull" json:"-"`
	// SecondFactor: opened (or since confirmed) with a second factor.
	SecondFactor bool `bun:"second_factor,notnull" json:"second_factor"`

	User *User `bun:"rel:belongs-to,join:user_id=id" json:"-"`
}

type passwordReset struct {
	bun.BaseModel `bun:"table:password_resets"`

	ID        uuid.UUID  `bun:"id,pk,type:uuid"`
	UserID    uuid.UUID  `bun:"user_id,notnull,type:uuid"`
	TokenHash string     `bun:"token_hash,notnull"`
	CreatedAt time.Time  `bun:"created_at,notnull"`
	ExpiresAt time.Time  `bun:"expires_at,notnull"`
	UsedAt    *time.Time `bun:"used_at"`
}

type loginFailure struct {
	bun.BaseModel `bun:"table:login_failures"`

	ID        uuid.UUID `bun:"id,pk,type:uuid"`
	Email     string    `bun:"email,notnull"`
	IP        string    `bun:"ip,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}
