package server

import "github.com/gofiber/fiber/v2"

// importApply confirms a validated import and queues its apply.
func (s *Server) importApply(c *fiber.Ctx) error {
	id, err := pathUUID(c, "import")
	if err != nil {
		return err
	}
	sc, err := s.scope(c)
	if err != nil {
		return err
	}
	im, err := s.Imports.Apply(c.UserContext(), tenantOf(c).ID, sc, id)
	if err != nil {
		return err
	}
	return s.done(c, importPath(c, im.ID), "import.confirmed", fiber.StatusAccepted, s.importView(c, im))
}
