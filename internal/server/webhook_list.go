package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/webhook"
)

// deliveriesShown is how many of each webhook's latest deliveries the
// settings page lists.
const deliveriesShown = 20

// webhookList: the company's webhooks with the forms to change them and
// each one's latest deliveries (page), or the webhooks alone (API). Secrets
// are not in the API's list: it returns a secret once, on creation.
func (s *Server) webhookList(c *fiber.Ctx) error {
	ctx := c.UserContext()
	t := tenantOf(c)
	if isAPI(c) {
		hooks, err := s.Webhooks.List(ctx, t.ID)
		if err != nil {
			return err
		}
		return c.JSON(fiber.Map{"webhooks": hooks, "events": webhook.AllEvents()})
	}
	logs, err := s.Webhooks.ListWithDeliveries(ctx, t.ID, deliveriesShown)
	if err != nil {
		return err
	}
	return s.render(c, "webhooks", "webhook.title", map[string]any{
		"Webhooks": logs, "Events": webhook.AllEvents(), "Max": webhook.MaxPerTenant, "Shown": deliveriesShown,
	})
}
