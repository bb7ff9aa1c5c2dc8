package server

import "github.com/gofiber/fiber/v2"

// publicHome is the product's front page for visitors: what estatedesk
// does and its plans with their prices and limits.
func (s *Server) publicHome(c *fiber.Ctx) error {
	return s.render(c, "landing", "landing.title", map[string]any{"Plans": s.Subscriptions.Plans()})
}
