package server

import "github.com/gofiber/fiber/v2"

// importList: an estate's imports, newest first, with the upload form and
// the templates to download.
func (s *Server) importList(c *fiber.Ctx) error {
	estateID, err := pathUUID(c, "estate")
	if err != nil {
		return err
	}
	sc, err := s.scope(c)
	if err != nil {
		return err
	}
	e, list, err := s.Imports.List(c.UserContext(), tenantOf(c).ID, sc, estateID)
	if err != nil {
		return err
	}
	items := make([]importItem, len(list))
	for i := range list {
		items[i] = s.importItem(c, &list[i])
	}
	if isAPI(c) {
		return c.JSON(fiber.Map{"estate": fiber.Map{"id": e.ID, "name": e.Name, "archived_at": e.ArchivedAt}, "imports": items})
	}
	return s.render(c, "imports", "import.title", map[string]any{"Estate": e, "Imports": items})
}
