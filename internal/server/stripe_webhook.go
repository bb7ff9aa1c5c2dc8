package server

import (
	"github.com/gofiber/fiber/v2"
)

// stripeWebhook receives Stripe's events. It sits before the session and
// CSRF middleware: Stripe signs its deliveries (Stripe-Signature), which
// the service verifies before anything is read.
func (s *Server) stripeWebhook(c *fiber.Ctx) error {
	// Fiber reuses the request buffer: the service keeps nothing of it
	// past the call.
	out, t, err := s.Subscriptions.HandleWebhook(c.UserContext(), c.Body(), c.Get("Stripe-Signature"))
	if err != nil {
		return err
	}
	if t != nil {
		// The company's new status applies on this replica's next request.
		s.tenants.forget(t.Slug)
	}
	return c.JSON(fiber.Map{"received": true, "outcome": out})
}
