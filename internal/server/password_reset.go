package server

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/account"
)

// passwordResetForm shows the form of a live link; a used or expired one
// says so at once, before a new password is typed for nothing.
func (s *Server) passwordResetForm(c *fiber.Ctx) error {
	token := c.Params("token")
	if err := s.Accounts.CheckPasswordReset(c.UserContext(), token); err != nil {
		return s.resetRefused(c, err)
	}
	return s.render(c, "password_reset", "password.reset.title", map[string]any{"Token": token})
}

// passwordReset sets the new password; a weak one re-shows the form.
func (s *Server) passwordReset(c *fiber.Ctx) error {
	token := c.Params("token")
	// A dead link is told so before a password is hashed for nothing.
	if err := s.Accounts.CheckPasswordReset(c.UserContext(), token); err != nil {
		return s.resetRefused(c, err)
	}
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
		return s.resetRefused(c, err)
	}
	s.flash(c, "password.reset.done", nil)
	return c.Redirect("/login", fiber.StatusSeeOther)
}

// resetRefused shows a dead link's page: the reason and the way to a new
// link, no form.
func (s *Server) resetRefused(c *fiber.Ctx, err error) error {
	if !errors.Is(err, account.ErrResetInvalid) {
		return err
	}
	status, _ := classify(err)
	return s.render(c.Status(status), "password_reset", "password.reset.title", map[string]any{"Invalid": true})
}
