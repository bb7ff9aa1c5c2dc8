package server

import "github.com/gofiber/fiber/v2"

// staffRemove ends a membership; the person's records stay.
func (s *Server) staffRemove(c *fiber.Ctx) error {
	id, err := pathUUID(c, "user")
	if err != nil {
		return err
	}
	if err := s.Accounts.RemoveMember(c.UserContext(), tenantOf(c).ID, id); err != nil {
		return err
	}
	s.tenants.forget(tenantOf(c).Slug)
	return s.done(c, tenantPath(c, "/staff"), "staff.removed", fiber.StatusNoContent, nil)
}
