package server

import "github.com/gofiber/fiber/v2"

// accountShow: the person's workspaces, language and sessions.
func (s *Server) accountShow(c *fiber.Ctx) error {
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
	return s.render(c, "account", "account.title", map[string]any{
		"Memberships": ms, "Sessions": sessions, "Current": sessionOf(c).ID,
	})
}
