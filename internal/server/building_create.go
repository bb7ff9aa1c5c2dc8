package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/estate"
)

// buildingCreate adds a building to an estate and opens it, where its
// units are generated next.
func (s *Server) buildingCreate(c *fiber.Ctx) error {
	estateID, err := pathUUID(c, "estate")
	if err != nil {
		return err
	}
	var in estate.BuildingInput
	if err := parse(c, &in); err != nil {
		return err
	}
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	b, err := s.Estates.CreateBuilding(c.UserContext(), tenantOf(c).ID, scope, estateID, in)
	if err != nil {
		fail, err := s.refused(c, err, "NewBuilding", in)
		if err != nil {
			return err
		}
		return s.showEstate(c, estateID, fail)
	}
	if isAPI(c) {
		return c.Status(fiber.StatusCreated).JSON(b)
	}
	s.flash(c, "building.created", map[string]any{"Name": b.Name})
	return c.Redirect(tenantPath(c, "/buildings/"+b.ID.String()), fiber.StatusSeeOther)
}
