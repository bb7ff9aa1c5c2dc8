package subscription

import (
	"errors"
	"fmt"
)

var (
	// ErrNotConfigured: Stripe is not set up on this server.
	ErrNotConfigured = errors.New("subscription: billing is not set up")
	// ErrBadSignature: a webhook whose signature or timestamp does not hold.
	ErrBadSignature = errors.New("subscription: webhook signature invalid or stale")
	// ErrNoSubscription: the action needs a Stripe subscription or customer
	// the company does not have yet.
	ErrNoSubscription = errors.New("subscription: the company has no subscription")
	// ErrComplimentary: a complimentary company is not billed.
	ErrComplimentary = errors.New("subscription: the company is complimentary")
	// ErrSamePlan: a change to the plan the company is already on.
	ErrSamePlan = errors.New("subscription: already on this plan")
	// ErrInvalidDays: a trial extension outside 1–365 days.
	ErrInvalidDays = errors.New("subscription: invalid number of days")
)

// DowngradeError refuses a plan whose limit the company already exceeds,
// naming the limit.
type DowngradeError struct {
	What  string // estates, units or staff
	Plan  string
	Limit int
	Used  int
}

func (e *DowngradeError) Error() string {
	return fmt.Sprintf("subscription: plan %s allows %d %s, the company has %d", e.Plan, e.Limit, e.What, e.Used)
}

// MessageData fills the translated message of the refusal.
func (e *DowngradeError) MessageData() map[string]any {
	return map[string]any{"What": e.What, "Plan": e.Plan, "Limit": e.Limit, "Used": e.Used}
}
