package server

import (
	"github.com/gofiber/fiber/v2"
)

// emailConfirm uses the link mailed at sign-up. It needs no session: the
// link itself proves the address.
func (s *Server) emailConfirm(c *fiber.Ctx) error {
	if _, err := s.Accounts.ConfirmEmail(c.UserContext(), c.Params("token")); err != nil {
		return err
	}
	s.flash(c, "signup.confirmed", nil)
	return c.Redirect("/", fiber.StatusSeeOther)
}

// emailConfirmResend mails a new confirmation link to the signed-in user.
func (s *Server) emailConfirmResend(c *fiber.Ctx) error {
	if err := s.Accounts.ResendConfirmation(c.UserContext(), userOf(c), langOf(c)); err != nil {
		return err
	}
	return s.done(c, localPath(c.FormValue("next", "/")), "signup.confirm_sent", fiber.StatusNoContent, nil)
}
