package server

import "github.com/gofiber/fiber/v2"

// webhookDeliveries: a webhook's latest deliveries with their bodies,
// newest first (API; the settings page shows the same log).
func (s *Server) webhookDeliveries(c *fiber.Ctx) error {
	id, err := pathUUID(c, "webhook")
	if err != nil {
		return err
	}
	ds, err := s.Webhooks.Deliveries(c.UserContext(), tenantOf(c).ID, id, c.QueryInt("limit", 50))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"deliveries": ds})
}
