package server

import "github.com/gofiber/fiber/v2"

// estateArchive takes an estate out of the lists; its history stays.
func (s *Server) estateArchive(c *fiber.Ctx) error {
	id, err := pathUUID(c, "estate")
	if err != nil {
		return err
	}
	if err := s.Estates.SetArchived(c.UserContext(), tenantOf(c), id, true); err != nil {
		return err
	}
	return s.done(c, tenantPath(c, "/estates"), "estate.archived", fiber.StatusNoContent, nil)
}
