package server

import "github.com/gofiber/fiber/v2"

// tenantHome is the workspace's start page; later modules add their tiles.
func (s *Server) tenantHome(c *fiber.Ctx) error {
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	estates, err := s.Estates.Visible(c.UserContext(), tenantOf(c).ID, scope)
	if err != nil {
		return err
	}
	return s.render(c, "tenant_home", "home.title", map[string]any{"Estates": estates})
}
