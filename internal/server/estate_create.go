package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/estate"
)

// estateCreate adds an estate within the plan's limit and opens it.
func (s *Server) estateCreate(c *fiber.Ctx) error {
	var in estate.EstateInput
	if err := parse(c, &in); err != nil {
		return err
	}
	e, err := s.Estates.CreateEstate(c.UserContext(), tenantOf(c), in)
	if err != nil {
		fail, err := s.refused(c, err, "NewEstate", in)
		if err != nil {
			return err
		}
		return s.showEstates(c, fail)
	}
	if isAPI(c) {
		return c.Status(fiber.StatusCreated).JSON(e)
	}
	s.flash(c, "estates.created", map[string]any{"Name": e.Name})
	return c.Redirect(tenantPath(c, "/estates/"+e.ID.String()), fiber.StatusSeeOther)
}
