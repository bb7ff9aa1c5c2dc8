package server

import (
	"github.com/gofiber/fiber/v2"
)

// invitationShow is the page behind an invitation link.
func (s *Server) invitationShow(c *fiber.Ctx) error {
	inv, t, err := s.Accounts.InvitationByToken(c.UserContext(), c.Params("token"))
	if err != nil {
		return err
	}
	_, known := s.Accounts.UserByEmail(c.UserContext(), inv.Email)
	return s.render(c, "invitation", "invitation.title", map[string]any{
		"Invitation": inv, "Company": t.Name, "Token": c.Params("token"), "Existing": known == nil,
	})
}
