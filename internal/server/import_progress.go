package server

import "github.com/gofiber/fiber/v2"

// importProgress is the fragment the import page polls (htmx, every
// second) while a job works. Once the job is done it asks htmx to reload
// the page, which then shows the report.
func (s *Server) importProgress(c *fiber.Ctx) error {
	id, err := pathUUID(c, "import")
	if err != nil {
		return err
	}
	sc, err := s.scope(c)
	if err != nil {
		return err
	}
	im, err := s.Imports.Get(c.UserContext(), tenantOf(c).ID, sc, id)
	if err != nil {
		return err
	}
	if !im.Status.Running() {
		c.Set("HX-Refresh", "true")
	}
	return s.render(c, "import_progress", "import.detail", map[string]any{"Import": s.importView(c, im)})
}
