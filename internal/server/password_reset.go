package server

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/account"
)

func (s *Server) passwordResetForm(c *fiber.Ctx) error {
	return s.render(c, "password_reset", "password.reset.title", map[string]any{"Token": c.Params("token")})
}

// passwordReset sets the new password; a weak one re-shows the form.
func (s *Server) passwordReset(c *fiber.Ctx) error {
	token := c.Params("token")
	pw := c.FormValue("password")
	if pw != c.FormValue("confirm") {
		return s.render(c.Status(fiber.StatusUnprocessableEntity), "password_reset", "password.reset.title",
			map[string]any{"Token": token, "Error": "error.password_mismatch"})
	}
	err := s.Accounts.ResetPassword(c.UserContext(), token, pw)
	if errors.Is(err, account.ErrPasswordTooShort) || errors.Is(err, account.ErrPasswordTooLong) {
		status, code := classify(err)
		return s.render(c.Status(status), "password_reset", "password.reset.title",
			map[string]any{"Token": token, "Error": "error." + code})
	}
	if err != nil {
		return err
	}
	s.flash(c, "password.reset.done", nil)
	return c.Redirect("/login", fiber.StatusSeeOther)
}
