// Package subscription is how companies pay for estatedesk: trials, plans,
// Stripe customers, checkout, the billing portal, plan changes and the
// Stripe webhook that moves a company's status. It is the only importer of
// stripe-go. See docs/billing.md.
package subscription

import (
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/tenant"
)

// Subscription is a company's billing state.
type Subscription struct {
	bun.BaseModel `bun:"table:subscriptions"`

	TenantID             uuid.UUID  `bun:"tenant_id,pk,type:uuid"`
	StripeCustomerID     string     `bun:"stripe_customer_id,nullzero"`
	StripeSubscriptionID string     `bun:"stripe_subscription_id,nullzero"`
	StripeStatus         string     `bun:"stripe_status,notnull"`
	StateAt              *time.Time `bun:"state_at"`
	CurrentPeriodEnd     *time.Time `bun:"current_period_end"`
	CancelAtPeriodEnd    bool       `bun:"cancel_at_period_end,notnull"`
	GraceEndsAt          *time.Time `bun:"grace_ends_at"`
	Complimentary        bool       `bun:"complimentary,notnull"`
	// TrialReminded is the last trial reminder sent, in days before the
	// end (7, 3, 1); 0 none yet.
	TrialReminded int       `bun:"trial_reminded,notnull"`
	PlanChanges   int       `bun:"plan_changes,notnull"`
	CreatedAt     time.Time `bun:"created_at,notnull"`
	UpdatedAt     time.Time `bun:"updated_at,notnull"`
}

// Invoice is a Stripe invoice as its webhooks reported it.
type Invoice struct {
	bun.BaseModel `bun:"table:stripe_invoices"`

	TenantID   uuid.UUID `bun:"tenant_id,pk,type:uuid"`
	ID         string    `bun:"id,pk"`
	Number     string    `bun:"number,notnull"`
	Status     string    `bun:"status,notnull"`
	AmountDue  int64     `bun:"amount_due,notnull"`
	AmountPaid int64     `bun:"amount_paid,notnull"`
	Currency   string    `bun:"currency,notnull"`
	HostedURL  string    `bun:"hosted_url,notnull"`
	CreatedAt  time.Time `bun:"created_at,notnull"`
	StateAt    time.Time `bun:"state_at,notnull"`
}

// Change is a hand-made change of a company's billing (platform console).
type Change struct {
	bun.BaseModel `bun:"table:billing_changes"`

	TenantID  uuid.UUID  `bun:"tenant_id,pk,type:uuid"`
	ID        uuid.UUID  `bun:"id,pk,type:uuid"`
	ActorID   *uuid.UUID `bun:"actor_id,type:uuid"`
	Kind      string     `bun:"kind,notnull"`
	Detail    string     `bun:"detail,notnull"`
	CreatedAt time.Time  `bun:"created_at,notnull"`
}

type stripeEvent struct {
	bun.BaseModel `bun:"table:stripe_events"`

	ID         string    `bun:"id,pk"`
	Type       string    `bun:"type,notnull"`
	CreatedAt  time.Time `bun:"created_at,notnull"`
	ReceivedAt time.Time `bun:"received_at,notnull"`
}

// statusOf maps a Stripe subscription status to the company's status, and
// whether the subscription has ended (which starts the grace period).
func statusOf(stripeStatus string) (tenant.Status, bool) {
	switch stripeStatus {
	case "active":
		return tenant.Active, false
	case "trialing":
		return tenant.Trialing, false
	case "canceled", "incomplete_expired":
		return tenant.PastDue, true
	default: // past_due, unpaid, incomplete, paused
		return tenant.PastDue, false
	}
}
