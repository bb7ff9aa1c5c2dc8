package tenant

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// New validates and builds a tenant ready for Insert.
func New(slug, name, plan, timeZone string, status Status) (*Tenant, error) {
	slug = strings.TrimSpace(strings.ToLower(slug))
	name = strings.TrimSpace(name)
	if !ValidSlug(slug) {
		return nil, ErrInvalidSlug
	}
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return nil, ErrInvalidName
	}
	if plan == "" {
		plan = "starter"
	}
	if !ValidPlan(plan) {
		return nil, ErrInvalidPlan
	}
	if _, err := time.LoadLocation(timeZone); err != nil || timeZone == "" {
		return nil, ErrInvalidZone
	}
	if status == "" {
		status = Trialing
	}
	if !status.Valid() {
		return nil, ErrInvalidStatus
	}
	now := time.Now().UTC()
	return &Tenant{ID: uuid.Must(uuid.NewV7()), Slug: slug, Name: name, Status: status, TimeZone: timeZone,
		Plan: plan, CreatedAt: now, UpdatedAt: now}, nil
}
