package server

import "github.com/gofiber/fiber/v2"

// teamUpdate replaces a team's name, kind and leader; an empty leader_id
// leaves the team without one.
func (s *Server) teamUpdate(c *fiber.Ctx) error {
	estateID, err := pathUUID(c, "estate")
	if err != nil {
		return err
	}
	teamID, err := pathUUID(c, "team")
	if err != nil {
		return err
	}
	var in teamInput
	if err := parse(c, &in); err != nil {
		return err
	}
	ch, err := in.changes()
	if err != nil {
		return err
	}
	sc, err := s.scope(c)
	if err != nil {
		return err
	}
	tm, err := s.teams().Update(c.UserContext(), tenantOf(c).ID, sc, estateID, teamID, ch)
	if err != nil {
		return err
	}
	return s.done(c, teamsPath(c, estateID), "team.saved", fiber.StatusOK, tm)
}
