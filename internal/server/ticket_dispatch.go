package server

import (
	"context"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/tenant"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// ticketDispatch sends a received or reopened ticket to a team (派工): the
// one named, or the one the estate's rules pick; to a worker when named.
func (s *Server) ticketDispatch(c *fiber.Ctx) error {
	return s.sendTicket(c, "Dispatch", s.Tickets.Dispatch)
}

// ticketTransfer sends a ticket on to another team, with a reason.
func (s *Server) ticketTransfer(c *fiber.Ctx) error {
	return s.sendTicket(c, "Transfer", s.Tickets.Transfer)
}

type sendFunc func(ctx context.Context, t *tenant.Tenant, a ticket.Actor, id uuid.UUID, as ticket.Assignment) (*ticket.Ticket, error)

func (s *Server) sendTicket(c *fiber.Ctx, form string, send sendFunc) error {
	id, err := pathUUID(c, "ticket")
	if err != nil {
		return err
	}
	var in ticketDispatchInput
	if err := parseOptional(c, &in); err != nil {
		return err
	}
	a, err := s.ticketActor(c)
	if err != nil {
		return err
	}
	as, err := in.assignment()
	if err == nil {
		var tk *ticket.Ticket
		if tk, err = send(c.UserContext(), tenantOf(c), a, id, as); err == nil {
			s.forgetUndispatched(c)
			flash := "ticket.done.dispatch"
			if form == "Transfer" {
				flash = "ticket.done.transfer"
			}
			return s.done(c, ticketPath(c, id), flash, fiber.StatusOK, tk)
		}
	}
	return s.ticketRefused(c, id, err, form, in)
}

// ticketAssign names the worker of a dispatched ticket, as its team
// leader does.
func (s *Server) ticketAssign(c *fiber.Ctx) error {
	id, err := pathUUID(c, "ticket")
	if err != nil {
		return err
	}
	var in ticketAssignInput
	if err := parse(c, &in); err != nil {
		return err
	}
	a, err := s.ticketActor(c)
	if err != nil {
		return err
	}
	worker, err := uuid.Parse(in.WorkerID)
	if err != nil {
		return s.ticketRefused(c, id, ticket.ErrNotTeamMember, "Assign", in)
	}
	tk, err := s.Tickets.Assign(c.UserContext(), tenantOf(c), a, id, worker)
	if err != nil {
		return s.ticketRefused(c, id, err, "Assign", in)
	}
	return s.done(c, ticketPath(c, id), "ticket.done.assign", fiber.StatusOK, tk)
}
