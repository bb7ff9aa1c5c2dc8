package server

import (
	"errors"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/ticket"
)

// ticketMove handles one of the simple moves of a ticket, each its own
// route: the team's work (claim, accept, start, hold, resume, complete,
// return) and the center's (cancel, close, reopen). A body is optional:
// {"reason": …} or {"note": …} where the move takes one.
func (s *Server) ticketMove(ev string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathUUID(c, "ticket")
		if err != nil {
			return err
		}
		var in ticketNoteInput
		if err := parseOptional(c, &in); err != nil {
			return err
		}
		a, err := s.ticketActor(c)
		if err != nil {
			return err
		}
		ctx, t, text := c.UserContext(), tenantOf(c), in.text()
		var tk *ticket.Ticket
		switch ev {
		case "claim":
			tk, err = s.Tickets.Claim(ctx, t, a, id)
		case "accept":
			tk, err = s.Tickets.Accept(ctx, t, a, id, text)
		case "start":
			tk, err = s.Tickets.Start(ctx, t, a, id, text)
		case "hold":
			tk, err = s.Tickets.Hold(ctx, t, a, id, text)
		case "resume":
			tk, err = s.Tickets.Resume(ctx, t, a, id, text)
		case "complete":
			tk, err = s.Tickets.Complete(ctx, t, a, id, text)
		case "return":
			tk, err = s.Tickets.Return(ctx, t, a, id, text)
		case "cancel":
			tk, err = s.Tickets.Cancel(ctx, t, a, id, text)
		case "close":
			tk, err = s.Tickets.Close(ctx, t, a, id, text)
		case "reopen":
			tk, err = s.Tickets.Reopen(ctx, t, a, id, text)
		default:
			return errNotFoundRoute
		}
		if err != nil {
			return s.ticketRefused(c, id, err, "Move", in)
		}
		return s.done(c, ticketPath(c, id), "ticket.done."+ev, fiber.StatusOK, tk)
	}
}

// moveRefused names a refused move in the reader's language: "cannot
// complete a 已受理 ticket" reads badly, so From and Event are the
// translated names.
type moveRefused struct {
	*ticket.MoveError
	from, event string
}

func (e *moveRefused) MessageData() map[string]any {
	return map[string]any{"From": e.from, "Event": e.event}
}

func (e *moveRefused) Unwrap() error { return e.MoveError }

// explain prepares a ticket error for its message.
func (s *Server) explain(c *fiber.Ctx, err error) error {
	var me *ticket.MoveError
	if errors.As(err, &me) {
		lang := langOf(c)
		return &moveRefused{MoveError: me,
			from:  s.Catalog.T(lang, "ticket.state."+string(me.From), nil),
			event: s.Catalog.T(lang, "ticket.action."+string(me.Event), nil)}
	}
	return err
}

// ticketRefused answers a refused ticket action: a browser sees the ticket
// page again with the message by the form, and what was typed kept; the
// API and anything but a refusal (not found, forbidden) go to the error
// handler.
func (s *Server) ticketRefused(c *fiber.Ctx, id uuid.UUID, err error, form string, values any) error {
	fail, err := s.refused(c, s.explain(c, err), form, values)
	if err != nil {
		return err
	}
	return s.showTicket(c, id, fail)
}
