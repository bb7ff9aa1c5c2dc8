package server

import (
	"github.com/gofiber/fiber/v2"
)

// reportCommentaryInput is the commentary written before sending.
type reportCommentaryInput struct {
	Commentary string `json:"commentary" form:"commentary"`
}

// reportCommentary writes the commentary of a draft: the manager's on the
// company's report, the office head's (or above) on an estate's.
func (s *Server) reportCommentary(c *fiber.Ctx) error {
	id, err := pathUUID(c, "report")
	if err != nil {
		return err
	}
	var in reportCommentaryInput
	if err := parse(c, &in); err != nil {
		return err
	}
	a, err := s.reportAuthor(c)
	if err != nil {
		return err
	}
	path := tenantPath(c, "/reports/"+id.String())
	r, err := s.Reports.SetCommentary(c.UserContext(), tenantOf(c), a, id, in.Commentary)
	if err != nil {
		return s.reportRefused(c, err, path)
	}
	if isAPI(c) {
		return c.JSON(r)
	}
	s.flash(c, "report.commentary_saved", nil)
	return c.Redirect(path, fiber.StatusSeeOther)
}
