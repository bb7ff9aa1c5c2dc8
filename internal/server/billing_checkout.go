package server

import (
	"github.com/gofiber/fiber/v2"
)

// billingCheckout sends the manager to Stripe Checkout to subscribe.
func (s *Server) billingCheckout(c *fiber.Ctx) error {
	url, err := s.Subscriptions.Checkout(c.UserContext(), tenantOf(c), userOf(c).Email)
	if err != nil {
		return err
	}
	return s.stripeRedirect(c, url)
}

// billingPortal sends the manager to Stripe's billing portal: card,
// invoices, cancellation.
func (s *Server) billingPortal(c *fiber.Ctx) error {
	url, err := s.Subscriptions.Portal(c.UserContext(), tenantOf(c))
	if err != nil {
		return err
	}
	return s.stripeRedirect(c, url)
}

// stripeRedirect hands a browser over to a page of Stripe's; the API
// answers with the URL.
func (s *Server) stripeRedirect(c *fiber.Ctx, url string) error {
	if isAPI(c) {
		return c.JSON(fiber.Map{"url": url})
	}
	return c.Redirect(url, fiber.StatusSeeOther)
}
