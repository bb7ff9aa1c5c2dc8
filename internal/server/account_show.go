package server

import "github.com/gofiber/fiber/v2"

// accountShow: the person's workspaces, sign-in (mobile number, password),
// language and sessions.
func (s *Server) accountShow(c *fiber.Ctx) error {
	return s.showAccount(c, nil)
}

// showAccount renders the account page, with a refused form's message.
func (s *Server) showAccount(c *fiber.Ctx, fail *formFail) error {
	u := userOf(c)
	ctx := c.UserContext()
	ms, err := s.Accounts.Memberships(ctx, u.ID)
	if err != nil {
		return err
	}
	sessions, err := s.Accounts.Sessions(ctx, u.ID)
	if err != nil {
		return err
	}
	return s.render(c, "account", "account.title", withForms(map[string]any{
		"Memberships": ms, "Sessions": sessions, "Current": sessionOf(c).ID,
		"Mobile": map[string]any{"Mobile": u.Phone},
	}, fail))
}
