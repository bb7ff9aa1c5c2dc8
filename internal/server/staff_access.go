package server

import "github.com/gofiber/fiber/v2"

// staffAccess replaces a member's roles and estates; it takes effect on the
// member's next request, on every replica.
func (s *Server) staffAccess(c *fiber.Ctx) error {
	id, err := pathUUID(c, "user")
	if err != nil {
		return err
	}
	var in accessInput
	if err := parse(c, &in); err != nil {
		return err
	}
	a, err := in.access()
	if err != nil {
		return err
	}
	if err := s.Accounts.SetAccess(c.UserContext(), tenantOf(c).ID, id, a); err != nil {
		return err
	}
	s.tenants.forget(tenantOf(c).Slug)
	return s.done(c, tenantPath(c, "/staff"), "staff.access_saved", fiber.StatusOK, fiber.Map{"user_id": id, "roles": a.Roles, "estate_ids": a.EstateIDs})
}
