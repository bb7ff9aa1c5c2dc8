package server

import "github.com/gofiber/fiber/v2"

func (s *Server) passwordForgotForm(c *fiber.Ctx) error {
	return s.render(c, "password_forgot", "password.forgot.title", nil)
}

// passwordForgot always answers the same, known address or not.
func (s *Server) passwordForgot(c *fiber.Ctx) error {
	email := c.FormValue("email")
	if len(email) > 254 {
		return errBadRequest
	}
	if err := s.Accounts.RequestPasswordReset(c.UserContext(), email, langOf(c)); err != nil {
		return err
	}
	return s.render(c, "password_forgot", "password.forgot.title", map[string]any{"Sent": true})
}
