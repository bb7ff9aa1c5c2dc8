package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/database"
)

// teamShow: one team with its leader and members (API).
func (s *Server) teamShow(c *fiber.Ctx) error {
	estateID, err := pathUUID(c, "estate")
	if err != nil {
		return err
	}
	teamID, err := pathUUID(c, "team")
	if err != nil {
		return err
	}
	sc, err := s.scope(c)
	if err != nil {
		return err
	}
	tm, err := s.teams().Get(c.UserContext(), tenantOf(c).ID, sc, teamID)
	if err != nil {
		return err
	}
	// The team must be one of the estate in the path.
	if tm.EstateID != estateID {
		return database.ErrNotFound
	}
	return c.JSON(tm)
}
