package server

import (
	"github.com/gofiber/fiber/v2"
)

// healthz: the process is up.
func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz: the database answers and every migration is applied.
func (s *Server) readyz(c *fiber.Ctx) error {
	ctx := c.UserContext()
	if err := s.DB.Ping(ctx); err != nil {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "database unreachable"})
	}
	n, err := s.DB.Pending(ctx)
	if err != nil || n > 0 {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "migrations pending", "pending": n})
	}
	return c.JSON(fiber.Map{"status": "ready"})
}
