package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/team"
)

type teamMembersInput struct {
	UserIDs []string `json:"user_ids" form:"user_ids"`
}

// teamMembers replaces a team's members: team leaders and workers of the
// team's estate. An empty list clears the team.
func (s *Server) teamMembers(c *fiber.Ctx) error {
	estateID, err := pathUUID(c, "estate")
	if err != nil {
		return err
	}
	teamID, err := pathUUID(c, "team")
	if err != nil {
		return err
	}
	var in teamMembersInput
	if err := parse(c, &in); err != nil {
		return err
	}
	ids := make([]uuid.UUID, 0, len(in.UserIDs))
	for _, raw := range in.UserIDs {
		id, err := uuid.Parse(raw)
		if err != nil {
			return team.ErrMemberNotEligible
		}
		ids = append(ids, id)
	}
	sc, err := s.scope(c)
	if err != nil {
		return err
	}
	tm, err := s.teams().SetMembers(c.UserContext(), tenantOf(c).ID, sc, estateID, teamID, ids)
	if err != nil {
		return err
	}
	return s.done(c, teamsPath(c, estateID), "team.members_saved", fiber.StatusOK, tm)
}
