package server

import "github.com/gofiber/fiber/v2"

// ticketComment adds a note to the timeline: internal, or visible to the
// owner when they follow the ticket.
func (s *Server) ticketComment(c *fiber.Ctx) error {
	id, err := pathUUID(c, "ticket")
	if err != nil {
		return err
	}
	var in ticketCommentInput
	if err := parse(c, &in); err != nil {
		return err
	}
	a, err := s.ticketActor(c)
	if err != nil {
		return err
	}
	e, err := s.Tickets.Comment(c.UserContext(), tenantOf(c), a, id, in.Body, in.OwnerVisible)
	if err != nil {
		return s.ticketRefused(c, id, err, "Comment", in)
	}
	return s.done(c, ticketPath(c, id)+"#timeline", "ticket.done.comment", fiber.StatusCreated, e)
}
