// Package tenant holds the property company: the unit of isolation and of
// billing. Its status decides what its staff may do.
package tenant

import (
	"context"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Status of a tenant's subscription and workspace.
type Status string

const (
	Trialing  Status = "trialing"
	Active    Status = "active"
	PastDue   Status = "past_due"
	Suspended Status = "suspended"
	Canceled  Status = "canceled"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	switch s {
	case Trialing, Active, PastDue, Suspended, Canceled:
		return true
	}
	return false
}

// Writable: staff may change data. A past-due tenant is read-only until paid.
func (s Status) Writable() bool { return s == Trialing || s == Active }

// Open: staff may enter the workspace at all. A suspended or canceled
// company sees a notice; its data is kept untouched.
func (s Status) Open() bool { return s == Trialing || s == Active || s == PastDue }

// Plans a tenant can be on; limits arrive with the estates module.
var Plans = []string{"starter", "growth", "enterprise"}

// ValidPlan reports whether p is a known plan.
func ValidPlan(p string) bool { return slices.Contains(Plans, p) }

// Tenant is a property company.
type Tenant struct {
	bun.BaseModel `bun:"table:tenants"`

	ID       uuid.UUID `bun:"id,pk,type:uuid" json:"id"`
	Slug     string    `bun:"slug,notnull" json:"slug"`
	Name     string    `bun:"name,notnull" json:"name"`
	Status   Status    `bun:"status,notnull" json:"status"`
	TimeZone string    `bun:"time_zone,notnull" json:"time_zone"`
	Plan     string    `bun:"plan,notnull" json:"plan"`
	// RBACVersion is the replicas' cache key for role assignments, not
	// something an API client can use.
	RBACVersion int64 `bun:"rbac_version,notnull" json:"-"`
	// TrialEndsAt: when a trialing company's trial ends (docs/billing.md).
	TrialEndsAt *time.Time `bun:"trial_ends_at" json:"trial_ends_at,omitempty"`
	// RequireTwoFactor: the managers require two-factor sign-in of the
	// company's staff; a session without it is sent to enrol.
	RequireTwoFactor bool      `bun:"require_two_factor,notnull" json:"require_two_factor"`
	CreatedAt        time.Time `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt        time.Time `bun:"updated_at,notnull" json:"updated_at"`
}

// zones caches loaded time zones by name: time.LoadLocation reads and
// parses the zone's file on every call, and every create needs one.
var zones sync.Map

// Location is the tenant's time zone, falling back to UTC on a bad name.
func (t *Tenant) Location() *time.Location {
	if loc, ok := zones.Load(t.TimeZone); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(t.TimeZone)
	if err != nil {
		return time.UTC
	}
	zones.Store(t.TimeZone, loc)
	return loc
}

var slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$`)

// reservedSlugs would collide with words people read in URLs (or with our
// own paths, /t/ and /r/ included, should a shorter slug ever be allowed).
var reservedSlugs = map[string]bool{"admin": true, "api": true, "static": true, "login": true, "www": true, "app": true,
	"t": true, "r": true, "signup": true, "stripe": true, "billing": true, "mail": true, "help": true, "support": true}

// Reserved reports whether s is one of the words no company may take.
func Reserved(s string) bool { return reservedSlugs[s] }

// ValidSlug: 3–40 lowercase letters, digits and inner hyphens.
func ValidSlug(s string) bool { return slugPattern.MatchString(s) && !reservedSlugs[s] }

type ctxKey struct{}

// WithTenant returns ctx carrying t.
func WithTenant(ctx context.Context, t *Tenant) context.Context {
	return context.WithValue(ctx, ctxKey{}, t)
}

// FromContext returns the tenant the request works in, or nil.
func FromContext(ctx context.Context) *Tenant {
	t, _ := ctx.Value(ctxKey{}).(*Tenant)
	return t
}
