package server

import (
	"github.com/gofiber/fiber/v2"
)

type tenantTwoFactorInput struct {
	Require bool `json:"require" form:"require"`
}

// tenantTwoFactor: the managers require two-factor sign-in of the
// company's staff, or stop requiring it. Sessions without a second factor
// are sent to set it up on their next request to the workspace.
func (s *Server) tenantTwoFactor(c *fiber.Ctx) error {
	var in tenantTwoFactorInput
	if err := parse(c, &in); err != nil {
		return err
	}
	t := tenantOf(c)
	if err := s.Accounts.SetTenantTwoFactor(c.UserContext(), t.ID, sessionOf(c), in.Require); err != nil {
		if isAPI(c) {
			return err
		}
		s.flash(c, "error.two_factor_first", nil)
		return c.Redirect("/t/"+t.Slug+"/staff", fiber.StatusSeeOther)
	}
	s.tenants.forget(t.Slug)
	return s.done(c, "/t/"+t.Slug+"/staff", "two_factor.tenant_saved", fiber.StatusOK, fiber.Map{"require_two_factor": in.Require})
}
