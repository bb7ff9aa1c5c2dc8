package server

import "github.com/gofiber/fiber/v2"

// unitArchive archives a unit (demolished, merged, entered by mistake) or
// restores it (path …/archive or …/restore); its people and history stay.
func (s *Server) unitArchive(archived bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathUUID(c, "unit")
		if err != nil {
			return err
		}
		scope, err := s.scope(c)
		if err != nil {
			return err
		}
		if err := s.Estates.SetUnitArchived(c.UserContext(), tenantOf(c), scope, id, archived); err != nil {
			return err
		}
		flash := map[bool]string{true: "unit.archived", false: "unit.restored"}[archived]
		return s.done(c, tenantPath(c, "/units/"+id.String()), flash, fiber.StatusNoContent, nil)
	}
}
