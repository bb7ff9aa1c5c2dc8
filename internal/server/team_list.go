package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/team"
)

// teamView is one team on the page with what its edit forms preselect.
type teamView struct {
	team.Team
	Leaders   []leaderOption
	MemberIDs []uuid.UUID
	// Duty: the viewer may put its members on and off duty.
	Duty bool
}

type leaderOption struct {
	team.Person
	Selected bool
}

// teamList: an estate's work teams with leaders and members, and the staff
// who may join them; the page also carries the forms to change them.
func (s *Server) teamList(c *fiber.Ctx) error {
	ctx := c.UserContext()
	t := tenantOf(c)
	estateID, err := pathUUID(c, "estate")
	if err != nil {
		return err
	}
	sc, err := s.scope(c)
	if err != nil {
		return err
	}
	b, err := s.teams().Board(ctx, t.ID, sc, estateID)
	if err != nil {
		return err
	}
	// Who may join a team is for those who staff teams; the staff list
	// itself is not open to every reader of teams.
	if !s.Authz.Can(userOf(c).ID, t.ID, "team", "manage") {
		b.Candidates = []team.Candidate{}
	}
	if isAPI(c) {
		return c.JSON(fiber.Map{"estate": fiber.Map{"id": b.Estate.ID, "name": b.Estate.Name, "archived_at": b.Estate.ArchivedAt},
			"teams": b.Teams, "candidates": b.Candidates})
	}
	estates, err := s.Estates.Visible(ctx, t.ID, sc)
	if err != nil {
		return err
	}
	var leaders []team.Person
	for _, p := range b.Candidates {
		if p.CanLead {
			leaders = append(leaders, p.Person)
		}
	}
	u := userOf(c)
	manage := s.Authz.Can(u.ID, t.ID, "team", "manage")
	assign := s.Authz.Can(u.ID, t.ID, "ticket", "assign")
	var active, archived []teamView
	for _, tm := range b.Teams {
		v := teamView{Team: tm, MemberIDs: make([]uuid.UUID, len(tm.Members)),
			Duty: assign && (manage || (tm.LeaderID != nil && *tm.LeaderID == u.ID))}
		for i, m := range tm.Members {
			v.MemberIDs[i] = m.UserID
		}
		// A leader who no longer qualifies stays selectable, so that editing
		// the name does not silently drop them.
		listed := false
		for _, p := range leaders {
			sel := tm.LeaderID != nil && *tm.LeaderID == p.UserID
			listed = listed || sel
			v.Leaders = append(v.Leaders, leaderOption{Person: p, Selected: sel})
		}
		if tm.Leader != nil && !listed {
			v.Leaders = append(v.Leaders, leaderOption{Person: *tm.Leader, Selected: true})
		}
		if tm.Archived() {
			archived = append(archived, v)
		} else {
			active = append(active, v)
		}
	}
	return s.render(c, "teams", "team.title", map[string]any{
		"Estate": b.Estate, "Estates": estates, "Active": active, "Archived": archived,
		"Candidates": b.Candidates, "Leaders": leaders, "Kinds": team.Kinds(),
	})
}
