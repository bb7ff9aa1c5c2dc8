package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/estate"
)

// buildingUpdate renames a building or changes its floors; its units'
// addresses follow the name.
func (s *Server) buildingUpdate(c *fiber.Ctx) error {
	id, err := pathUUID(c, "building")
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
	b, err := s.Estates.UpdateBuilding(c.UserContext(), tenantOf(c).ID, scope, id, in)
	if err != nil {
		return err
	}
	return s.done(c, tenantPath(c, "/buildings/"+id.String()), "building.saved", fiber.StatusOK, b)
}
