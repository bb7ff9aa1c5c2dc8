package server

import (
	"slices"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/rbac"
	"github.com/estatedesk/estatedesk/internal/report"
)

// What the report handlers share: who the caller is to the report, and
// how a refused form comes back.

// reportAuthor is the caller as the author of a report's commentary and
// sending: a manager may do both on every report they see, others
// (office heads, assistants) on their estates' reports.
func (s *Server) reportAuthor(c *fiber.Ctx) (report.Author, error) {
	scope, err := s.scope(c)
	if err != nil {
		return report.Author{}, err
	}
	u, t := userOf(c), tenantOf(c)
	return report.Author{UserID: u.ID, Scope: scope, Manager: slices.Contains(s.Authz.Roles(u.ID, t.ID), rbac.Manager)}, nil
}

// reportRefused answers a refused report form in a browser with the
// translated message on the report's page; the API gets the error.
func (s *Server) reportRefused(c *fiber.Ctx, err error, back string) error {
	if isAPI(c) {
		return err
	}
	status, code := classify(err)
	if status != fiber.StatusUnprocessableEntity && status != fiber.StatusConflict && status != fiber.StatusForbidden {
		return err
	}
	s.flash(c, "error."+code, nil)
	return c.Redirect(back, fiber.StatusSeeOther)
}

// reportOf reads the report of the path in the caller's scope.
func (s *Server) reportOf(c *fiber.Ctx) (*report.Report, error) {
	id, err := pathUUID(c, "report")
	if err != nil {
		return nil, err
	}
	scope, err := s.scope(c)
	if err != nil {
		return nil, err
	}
	return s.Reports.Get(c.UserContext(), tenantOf(c), scope, id)
}
