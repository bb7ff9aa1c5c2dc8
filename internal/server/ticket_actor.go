package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/rbac"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// ticketActor is the signed-in staff member as the ticket service sees
// them: their estate scope, whether they may dispatch (and so record
// field work on a team's behalf), whether they see only their teams'
// tickets (workers) and whether they see what is sensitive.
func (s *Server) ticketActor(c *fiber.Ctx) (ticket.Actor, error) {
	sc, err := s.scope(c)
	if err != nil {
		return ticket.Actor{}, err
	}
	u, t := userOf(c), tenantOf(c)
	roles := s.Authz.Roles(u.ID, t.ID)
	teamOnly := len(roles) > 0
	for _, r := range roles {
		teamOnly = teamOnly && rbac.TeamScoped(r)
	}
	return ticket.Actor{UserID: u.ID, Scope: sc, Lang: langOf(c), TeamOnly: teamOnly,
		Dispatcher: s.Authz.Can(u.ID, t.ID, rbac.ObjTicket, rbac.ActDispatch),
		Sensitive:  s.Authz.Can(u.ID, t.ID, rbac.ObjTicket, rbac.ActSensitive)}, nil
}
