package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/ticket"
)

// ticketCallback records a call-back (回访): not reached schedules a retry;
// reached keeps the scores, and a dissatisfied owner reopens the ticket.
func (s *Server) ticketCallback(c *fiber.Ctx) error {
	id, err := pathUUID(c, "ticket")
	if err != nil {
		return err
	}
	var in ticketCallbackInput
	if err := parse(c, &in); err != nil {
		return err
	}
	a, err := s.ticketActor(c)
	if err != nil {
		return err
	}
	tk, err := s.Tickets.RecordCallback(c.UserContext(), tenantOf(c), a, id, ticket.Outcome{
		Reached: in.Reached, Overall: in.Overall, Speed: in.Speed, Attitude: in.Attitude, Comment: in.Comment})
	if err != nil {
		return s.ticketRefused(c, id, err, "Callback", in)
	}
	flash := "ticket.done.callback"
	switch {
	case tk.Status == ticket.Reopened:
		flash = "ticket.done.callback_reopened"
	case !in.Reached:
		flash = "ticket.done.callback_unreached"
	}
	return s.done(c, ticketPath(c, id), flash, fiber.StatusOK, tk)
}
