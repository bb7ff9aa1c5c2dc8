package server

import (
	"github.com/gofiber/fiber/v2"
)

// billingPlan changes the company's plan. A plan whose limits the company
// already exceeds is refused with the limit named.
func (s *Server) billingPlan(c *fiber.Ctx) error {
	var in struct {
		Plan string `json:"plan" form:"plan"`
	}
	if err := parse(c, &in); err != nil {
		return err
	}
	t := tenantOf(c)
	if err := s.Subscriptions.ChangePlan(c.UserContext(), t, in.Plan); err != nil {
		return err
	}
	s.tenants.forget(t.Slug)
	return s.done(c, tenantPath(c, "/billing"), "billing.plan_changed", fiber.StatusOK, fiber.Map{"plan": in.Plan})
}
