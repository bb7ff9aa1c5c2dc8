// Package account holds people and their access: users, memberships in
// tenants with roles and estate scope, sessions and API tokens, invitations
// and password resets.
package account

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/mail"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// User is a person who signs in: platform admin, tenant staff, or both.
type User struct {
	bun.BaseModel `bun:"table:users"`

	ID            uuid.UUID `bun:"id,pk,type:uuid"`
	Email         string    `bun:"email,notnull"`
	Phone         string    `bun:"phone,nullzero"` // a mobile number to sign in with; "" none
	Name          string    `bun:"name,notnull"`
	PasswordHash  string    `bun:"password_hash,notnull" json:"-"`
	Locale        string    `bun:"locale,notnull"`
	PlatformAdmin bool      `bun:"platform_admin,notnull"`
	// EmailUnconfirmed: the person signed up themselves and has not yet
	// opened the confirmation link (invited staff proved their address).
	EmailUnconfirmed bool       `bun:"email_unconfirmed,notnull"`
	DisabledAt       *time.Time `bun:"disabled_at"`
	// TOTPSecret is the enrolled authenticator's secret ("" none): two-factor
	// sign-in is on. TOTPPending is the one being set up.
	TOTPSecret   string    `bun:"totp_secret,nullzero" json:"-"`
	TOTPPending  string    `bun:"totp_pending_secret,nullzero" json:"-"`
	TOTPLastStep int64     `bun:"totp_last_step,notnull" json:"-"`
	CreatedAt    time.Time `bun:"created_at,notnull"`
	UpdatedAt    time.Time `bun:"updated_at,notnull"`
}

// DisplayName is the name, or the email when no name was given.
func (u *User) DisplayName() string {
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}

// TwoFactor tells whether the person signs in with a second factor.
func (u *User) TwoFactor() bool { return u.TOTPSecret != "" }

// Membership makes a user staff of a tenant.
type Membership struct {
	bun.BaseModel `bun:"table:memberships"`

	TenantID   uuid.UUID  `bun:"tenant_id,pk,type:uuid"`
	ID         uuid.UUID  `bun:"id,pk,type:uuid"`
	UserID     uuid.UUID  `bun:"user_id,notnull,type:uuid"`
	DisabledAt *time.Time `bun:"disabled_at"`
	CreatedAt  time.Time  `bun:"created_at,notnull"`
}

type membershipRole struct {
	bun.BaseModel `bun:"table:membership_roles"`

	TenantID  uuid.UUID `bun:"tenant_id,pk,type:uuid"`
	UserID    uuid.UUID `bun:"user_id,pk,type:uuid"`
	Role      string    `bun:"role,pk"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

type staffEstate struct {
	bun.BaseModel `bun:"table:staff_estates"`

	TenantID uuid.UUID `bun:"tenant_id,pk,type:uuid"`
	UserID   uuid.UUID `bun:"user_id,pk,type:uuid"`
	EstateID uuid.UUID `bun:"estate_id,pk,type:uuid"`
}

// Argon2id parameters: the library defaults (64 MiB, t=1, p=2) as OWASP
// recommends for interactive sign-in.
var hashParams = argon2id.DefaultParams

// HashPassword hashes a password that passed ValidPassword.
func HashPassword(pw string) (string, error) { return argon2id.CreateHash(pw, hashParams) }

// dummyHash equalizes the time of a sign-in for an unknown email. Made on
// first use: hashing costs 150 ms, which start-up should not pay.
var dummyHash = sync.OnceValue(func() string {
	h, _ := argon2id.CreateHash("estatedesk-no-such-user", hashParams)
	return h
})

func checkPassword(pw, hash string) bool {
	if hash == "" {
		hash = dummyHash()
	}
	ok, err := argon2id.ComparePasswordAndHash(pw, hash)
	return err == nil && ok
}

// ValidPassword: 8 to 128 characters.
func ValidPassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < 8 {
		return ErrPasswordTooShort
	}
	if n > 128 {
		return ErrPasswordTooLong
	}
	return nil
}

// NormalizeEmail lowercases and checks an address; ErrInvalidEmail if bad.
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) > 254 {
		return "", ErrInvalidEmail
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndex(s, "@")+1:], ".") {
		return "", ErrInvalidEmail
	}
	return s, nil
}

func validName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > 100 {
		return "", ErrInvalidName
	}
	return s, nil
}

// newToken returns a random URL-safe secret and the hash under which it is
// stored: the database never holds a usable token.
func newToken() (token, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func newID() uuid.UUID { return uuid.Must(uuid.NewV7()) }
