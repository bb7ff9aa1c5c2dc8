package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database"
)

// reportGenerateInput is the report asked for: a month and an estate
// (none: the company's).
type reportGenerateInput struct {
	Month    string `json:"month" form:"month"`
	EstateID string `json:"estate_id" form:"estate_id"`
}

// reportGenerate computes a report now (report:export) and keeps it in the
// archive: a draft is computed again, its commentary kept; a sent one is
// answered as it was. 200 with the report; the page goes to it.
func (s *Server) reportGenerate(c *fiber.Ctx) error {
	var in reportGenerateInput
	if err := parse(c, &in); err != nil {
		return err
	}
	var estateID *uuid.UUID
	if in.EstateID != "" {
		id, err := uuid.Parse(in.EstateID)
		if err != nil {
			return database.ErrNotFound
		}
		estateID = &id
	}
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	u := userOf(c)
	r, err := s.Reports.Generate(c.UserContext(), tenantOf(c), scope, &u.ID, estateID, in.Month)
	if err != nil {
		return s.reportRefused(c, err, tenantPath(c, "/reports"))
	}
	path := tenantPath(c, "/reports/"+r.ID.String())
	if isAPI(c) {
		c.Location("/api/v1" + path)
		return c.JSON(r)
	}
	s.flash(c, "report.generated", nil)
	return c.Redirect(path, fiber.StatusSeeOther)
}
