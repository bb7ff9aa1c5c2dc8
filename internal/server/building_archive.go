package server

import "github.com/gofiber/fiber/v2"

// buildingArchive archives a building with its units, or restores it
// (path …/archive or …/restore).
func (s *Server) buildingArchive(archived bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathUUID(c, "building")
		if err != nil {
			return err
		}
		scope, err := s.scope(c)
		if err != nil {
			return err
		}
		if err := s.Estates.SetBuildingArchived(c.UserContext(), tenantOf(c), scope, id, archived); err != nil {
			return err
		}
		flash := map[bool]string{true: "building.archived", false: "building.restored"}[archived]
		return s.done(c, tenantPath(c, "/buildings/"+id.String()), flash, fiber.StatusNoContent, nil)
	}
}
