package server

import "github.com/gofiber/fiber/v2"

// teamCreate adds a work team to an estate, optionally with its leader.
func (s *Server) teamCreate(c *fiber.Ctx) error {
	estateID, err := pathUUID(c, "estate")
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
	tm, err := s.teams().Create(c.UserContext(), tenantOf(c).ID, sc, estateID, ch.Kind, ch.Name, ch.LeaderID)
	if err != nil {
		return err
	}
	return s.done(c, teamsPath(c, estateID), "team.created", fiber.StatusCreated, tm)
}
