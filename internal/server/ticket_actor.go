package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/rbac"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// ticketActor is the signed-in staff member as the ticket service sees
// them: their estate scope, and whether they may dispatch (and so record
// field work on a team's behalf).
func (s *Server) ticketActor(c *fiber.Ctx) (ticket.Actor, error) {
	sc, err := s.scope(c)
	if err != nil {
		return ticket.Actor{}, err
	}
	u, t := userOf(c), tenantOf(c)
	return ticket.Actor{UserID: u.ID, Scope: sc, Lang: langOf(c),
		Dispatcher: s.Authz.Can(u.ID, t.ID, rbac.ObjTicket, rbac.ActDispatch)}, nil
}
