package server

import (
	"github.com/gofiber/fiber/v2"
)

// billingShow is the company's billing page: plan, trial, usage against
// the plan's limits, next invoice, past invoices, and the ways to pay.
func (s *Server) billingShow(c *fiber.Ctx) error {
	o, err := s.Subscriptions.Overview(c.UserContext(), tenantOf(c))
	if err != nil {
		return err
	}
	if isAPI(c) {
		inv := make([]fiber.Map, len(o.Invoices))
		for i, v := range o.Invoices {
			inv[i] = fiber.Map{"id": v.ID, "number": v.Number, "status": v.Status, "amount_due": v.AmountDue,
				"amount_paid": v.AmountPaid, "currency": v.Currency, "hosted_url": v.HostedURL, "created_at": v.CreatedAt}
		}
		use := make([]fiber.Map, len(o.Usage))
		for i, u := range o.Usage {
			use[i] = fiber.Map{"what": u.What, "used": u.Used, "limit": u.Limit}
		}
		return c.JSON(fiber.Map{"plan": o.Tenant.Plan, "status": o.Tenant.Status, "trial_ends_at": o.Tenant.TrialEndsAt,
			"trial_days_left": o.TrialDaysLeft, "usage": use, "next_invoice_at": o.NextInvoiceAt, "next_invoice_amount": o.NextInvoiceFen,
			"invoices": inv, "billing_configured": o.Configured, "complimentary": o.Sub.Complimentary,
			"subscribed": o.Sub.StripeSubscriptionID != "", "subscribable": o.Subscribable, "grace_ends_at": o.Sub.GraceEndsAt})
	}
	return s.render(c, "billing", "billing.title", map[string]any{"O": o, "Done": c.Query("checkout") == "done"})
}
