package server

import "github.com/gofiber/fiber/v2"

// rootRedirect sends a visitor where they most likely want to be.
func (s *Server) rootRedirect(c *fiber.Ctx) error {
	u := userOf(c)
	if u == nil {
		return s.publicHome(c)
	}
	ms, err := s.Accounts.Memberships(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	switch {
	case len(ms) == 1:
		return c.Redirect("/t/" + ms[0].Slug + "/")
	case len(ms) == 0 && u.PlatformAdmin:
		return c.Redirect("/admin/")
	}
	return c.Redirect("/account")
}
