package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/estate"
)

// buildingList: an estate's buildings with their unit counts (the estate
// page shows the same list).
func (s *Server) buildingList(c *fiber.Ctx) error {
	id, err := pathUUID(c, "estate")
	if err != nil {
		return err
	}
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	list, err := s.Estates.Buildings(c.UserContext(), tenantOf(c).ID, scope, id)
	if err != nil {
		return err
	}
	if list == nil {
		list = []estate.BuildingSummary{}
	}
	sortBuildings(list)
	return c.JSON(fiber.Map{"buildings": list})
}
