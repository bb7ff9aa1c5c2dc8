package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/rbac"
	"github.com/estatedesk/estatedesk/internal/team"
)

type teamDutyInput struct {
	UserID string `json:"user_id" form:"user_id"`
	OnDuty bool   `json:"on_duty" form:"on_duty"`
}

// teamDuty puts a team member on or off duty, as the team leader does for
// leave and shifts: round-robin dispatch passes over members off duty. A
// team leader sets their own team's; those who manage teams, any team's.
func (s *Server) teamDuty(c *fiber.Ctx) error {
	estateID, err := pathUUID(c, "estate")
	if err != nil {
		return err
	}
	teamID, err := pathUUID(c, "team")
	if err != nil {
		return err
	}
	var in teamDutyInput
	if err := parse(c, &in); err != nil {
		return err
	}
	userID, err := uuid.Parse(in.UserID)
	if err != nil {
		return database.ErrNotFound
	}
	sc, err := s.scope(c)
	if err != nil {
		return err
	}
	t, u := tenantOf(c), userOf(c)
	var tm *team.Team
	if s.Authz.Can(u.ID, t.ID, rbac.ObjTeam, rbac.ActManage) {
		tm, err = s.teams().SetOnDuty(c.UserContext(), t.ID, sc, estateID, teamID, userID, in.OnDuty)
	} else {
		tm, err = s.teams().LeaderSetsOnDuty(c.UserContext(), t.ID, sc, estateID, teamID, u.ID, userID, in.OnDuty)
	}
	if err != nil {
		return err
	}
	return s.done(c, teamsPath(c, estateID), "team.duty_saved", fiber.StatusOK, tm)
}
