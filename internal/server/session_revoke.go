package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database"
)

// sessionRevoke ends one of the caller's own sessions; someone else's is 404.
func (s *Server) sessionRevoke(c *fiber.Ctx) error {
	id, err := uuid.Parse(c.Params("id"))
	if err != nil {
		return database.ErrNotFound
	}
	if err := s.Accounts.RevokeSession(c.UserContext(), userOf(c).ID, id); err != nil {
		return err
	}
	return s.done(c, "/account", "account.session_ended", fiber.StatusNoContent, nil)
}
