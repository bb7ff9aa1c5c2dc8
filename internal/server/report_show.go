package server

import (
	"github.com/gofiber/fiber/v2"
)

// reportShow: one report of the archive with its content, its commentary
// and, for its author while it is a draft, the commentary form and the
// send button.
func (s *Server) reportShow(c *fiber.Ctx) error {
	id, err := pathUUID(c, "report")
	if err != nil {
		return err
	}
	a, err := s.reportAuthor(c)
	if err != nil {
		return err
	}
	r, err := s.Reports.Get(c.UserContext(), tenantOf(c), a.Scope, id)
	if err != nil {
		return err
	}
	if isAPI(c) {
		return c.JSON(r)
	}
	return s.render(c, "report", "report.page.show", map[string]any{"Report": r, "Author": a.May(r),
		"Generated": pdfTime(c, r.GeneratedAt)})
}
