package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/subscription"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// adminBusiness is the console's business view as JSON: companies by
// status and plan, trials ending this week, past-due companies and the
// monthly recurring revenue (the HTML console shows it on /admin/).
func (s *Server) adminBusiness(c *fiber.Ctx) error {
	b, err := s.Subscriptions.Business(c.UserContext())
	if err != nil {
		return err
	}
	accounts := func(as []subscription.Account) []fiber.Map {
		out := make([]fiber.Map, len(as))
		for i, a := range as {
			out[i] = accountJSON(a)
		}
		return out
	}
	mrr := make([]fiber.Map, len(b.MRR))
	for i, r := range b.MRR {
		mrr[i] = fiber.Map{"plan": r.Plan, "paying": r.Paying, "price": r.PriceFen, "mrr": r.MRRFen}
	}
	return c.JSON(fiber.Map{"plans": tenant.Plans, "statuses": b.Statuses, "total": b.Total, "trials_ending": accounts(b.TrialsEnding), "past_due": accounts(b.PastDue),
		"mrr": mrr, "mrr_total": b.MRRTotal, "complimentary": b.Complimentary})
}

// accountJSON is a company's subscription with links to its Stripe objects.
func accountJSON(a subscription.Account) fiber.Map {
	return fiber.Map{"id": a.ID, "slug": a.Slug, "name": a.Name, "status": a.Status, "plan": a.Plan, "trial_ends_at": a.TrialEndsAt,
		"stripe_customer_id": a.StripeCustomerID, "stripe_customer_url": a.CustomerURL,
		"stripe_subscription_id": a.StripeSubscriptionID, "stripe_subscription_url": a.SubscriptionURL,
		"stripe_status": a.StripeStatus, "grace_ends_at": a.GraceEndsAt, "current_period_end": a.CurrentPeriodEnd, "complimentary": a.Complimentary}
}
