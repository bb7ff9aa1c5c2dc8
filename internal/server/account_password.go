package server

import (
	"github.com/gofiber/fiber/v2"
)

// accountPasswordInput changes the password of the person signed in.
type accountPasswordInput struct {
	Current string `form:"current_password"`
	New     string `form:"new_password"`
}

// accountPassword: the current password and a new one (the length rules of
// a reset); the other sessions end, this one stays.
func (s *Server) accountPassword(c *fiber.Ctx) error {
	var in accountPasswordInput
	if err := parse(c, &in); err != nil {
		return err
	}
	err := s.Accounts.ChangePassword(c.UserContext(), userOf(c).ID, sessionOf(c).ID, in.Current, in.New, s.client(c))
	if err != nil {
		// The typed passwords are not shown again.
		fail, err := s.refused(c, err, "Password", nil)
		if err != nil {
			return err
		}
		return s.showAccount(c, fail)
	}
	return s.done(c, "/account", "account.password_changed", fiber.StatusNoContent, nil)
}
