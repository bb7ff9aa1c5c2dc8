package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
)

// notificationRead marks all of the member's notifications read.
func (s *Server) notificationRead(c *fiber.Ctx) error {
	u, t := userOf(c), tenantOf(c)
	if err := s.Tickets.MarkRead(c.UserContext(), t.ID, u.ID); err != nil {
		return err
	}
	s.unread.Add([2]uuid.UUID{t.ID, u.ID}, 0)
	return s.done(c, tenantPath(c, "/notifications"), "queue.notes.marked", fiber.StatusNoContent, nil)
}
