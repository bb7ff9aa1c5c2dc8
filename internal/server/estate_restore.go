package server

import "github.com/gofiber/fiber/v2"

// estateRestore brings an archived estate back, within the plan's limit.
func (s *Server) estateRestore(c *fiber.Ctx) error {
	id, err := pathUUID(c, "estate")
	if err != nil {
		return err
	}
	if err := s.Estates.SetArchived(c.UserContext(), tenantOf(c), id, false); err != nil {
		return err
	}
	return s.done(c, tenantPath(c, "/estates/"+id.String()), "estate.restored", fiber.StatusNoContent, nil)
}
