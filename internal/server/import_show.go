package server

import "github.com/gofiber/fiber/v2"

// importShow: an import's progress while a job works on it, then its
// report (problems by row and column) or what it changes or changed.
func (s *Server) importShow(c *fiber.Ctx) error {
	id, err := pathUUID(c, "import")
	if err != nil {
		return err
	}
	sc, err := s.scope(c)
	if err != nil {
		return err
	}
	im, e, err := s.Imports.Detail(c.UserContext(), tenantOf(c).ID, sc, id)
	if err != nil {
		return err
	}
	v := s.importView(c, im)
	if isAPI(c) {
		return c.JSON(v)
	}
	return s.render(c, "import", "import.detail", map[string]any{
		"Import": v, "Estate": e, "Summary": v.Summary.Counts(), "ByCommandLine": v.CreatedBy == nil,
	})
}
