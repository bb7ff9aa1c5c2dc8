package server

import "github.com/gofiber/fiber/v2"

// teamArchive retires a team; it stays on record with its members.
func (s *Server) teamArchive(c *fiber.Ctx) error {
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
	tm, err := s.teams().Archive(c.UserContext(), tenantOf(c).ID, sc, estateID, teamID)
	if err != nil {
		return err
	}
	return s.done(c, teamsPath(c, estateID), "team.archived_done", fiber.StatusOK, tm)
}
