package server

import "github.com/gofiber/fiber/v2"

// invitationRevoke withdraws a pending invitation of this tenant.
func (s *Server) invitationRevoke(c *fiber.Ctx) error {
	id, err := pathUUID(c, "id")
	if err != nil {
		return err
	}
	if err := s.Accounts.RevokeInvitation(c.UserContext(), tenantOf(c).ID, id); err != nil {
		return err
	}
	return s.done(c, tenantPath(c, "/staff"), "staff.invitation_revoked", fiber.StatusNoContent, nil)
}
