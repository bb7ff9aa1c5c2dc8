package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/team"
)

// teams is the work-team service. It holds nothing but the database handle,
// so building it per request costs one small allocation.
func (s *Server) teams() *team.Service { return team.NewService(s.DB) }

// teamInput is the body of creating or editing a team, JSON or form.
type teamInput struct {
	Kind     string `json:"kind" form:"kind"`
	Name     string `json:"name" form:"name"`
	LeaderID string `json:"leader_id" form:"leader_id"`
}

func (in teamInput) changes() (team.Changes, error) {
	ch := team.Changes{Kind: team.Kind(in.Kind), Name: in.Name}
	if in.LeaderID != "" {
		id, err := uuid.Parse(in.LeaderID)
		if err != nil {
			return ch, team.ErrLeaderNotEligible
		}
		ch.LeaderID = &id
	}
	return ch, nil
}

// teamsPath is the teams page of an estate in the current workspace.
func teamsPath(c *fiber.Ctx, estateID uuid.UUID) string {
	return tenantPath(c, "/estates/"+estateID.String()+"/teams")
}
