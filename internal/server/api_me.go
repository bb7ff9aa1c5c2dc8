package server

import "github.com/gofiber/fiber/v2"

// apiMe: the caller and their workspaces with roles.
func (s *Server) apiMe(c *fiber.Ctx) error {
	u := userOf(c)
	ms, err := s.Accounts.Memberships(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{
		"user":        fiber.Map{"id": u.ID, "email": u.Email, "name": u.Name, "mobile": u.Phone, "locale": u.Locale, "platform_admin": u.PlatformAdmin},
		"memberships": ms,
	})
}
