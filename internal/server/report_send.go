package server

import (
	"github.com/gofiber/fiber/v2"
)

// reportSend sends a draft by email to the managers (and, for an estate's
// report, its office heads); it is final: the report is then read-only.
func (s *Server) reportSend(c *fiber.Ctx) error {
	id, err := pathUUID(c, "report")
	if err != nil {
		return err
	}
	a, err := s.reportAuthor(c)
	if err != nil {
		return err
	}
	path := tenantPath(c, "/reports/"+id.String())
	r, err := s.Reports.Send(c.UserContext(), tenantOf(c), a, id)
	if err != nil {
		return s.reportRefused(c, err, path)
	}
	if isAPI(c) {
		return c.JSON(r)
	}
	s.flash(c, "report.sent", map[string]any{"N": r.Recipients})
	return c.Redirect(path, fiber.StatusSeeOther)
}
