package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/account"
)

// apiLogin exchanges email and password (and the two-factor code, for
// someone who has it on) for a bearer token, listed with the user's
// sessions and revocable like them.
func (s *Server) apiLogin(c *fiber.Ctx) error {
	var in loginInput
	if err := parse(c, &in); err != nil {
		return err
	}
	sess, token, err := s.Accounts.SignIn(c.UserContext(),
		account.Credentials{Email: in.Email, Password: in.Password, Code: in.Code}, s.client(c), account.KindAPI)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"token": token, "token_type": "Bearer", "session_id": sess.ID, "expires_at": sess.ExpiresAt})
}
