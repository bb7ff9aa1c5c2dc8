package server

import "github.com/gofiber/fiber/v2"

// webhookDelete removes a webhook with its delivery log; deliveries still
// queued are dropped.
func (s *Server) webhookDelete(c *fiber.Ctx) error {
	id, err := pathUUID(c, "webhook")
	if err != nil {
		return err
	}
	if err := s.Webhooks.Delete(c.UserContext(), tenantOf(c).ID, id); err != nil {
		return err
	}
	return s.done(c, webhooksPath(c), "webhook.deleted", fiber.StatusNoContent, nil)
}
