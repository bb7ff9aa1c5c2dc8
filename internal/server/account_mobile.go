package server

import (
	"github.com/gofiber/fiber/v2"
)

// accountMobile sets (or clears) the mobile number the person may sign in
// with instead of their email.
func (s *Server) accountMobile(c *fiber.Ctx) error {
	var in struct {
		Mobile string `form:"mobile"`
	}
	if err := parse(c, &in); err != nil {
		return err
	}
	if _, err := s.Accounts.SetMobile(c.UserContext(), userOf(c).ID, in.Mobile); err != nil {
		fail, err := s.refused(c, err, "Mobile", map[string]any{"Mobile": in.Mobile})
		if err != nil {
			return err
		}
		return s.showAccount(c, fail)
	}
	return s.done(c, "/account", "account.mobile_saved", fiber.StatusNoContent, nil)
}
