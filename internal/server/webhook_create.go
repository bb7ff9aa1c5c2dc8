package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/webhook"
)

// webhookInput is the body of creating or editing a webhook, JSON or form.
type webhookInput struct {
	URL    string   `json:"url" form:"url"`
	Events []string `json:"events" form:"events"`
	Active *bool    `json:"active" form:"active"`
}

// webhookCreated is a new webhook with its signing secret, which the API
// shows only here.
type webhookCreated struct {
	*webhook.Webhook
	Secret string `json:"secret"`
}

// webhooksPath is the webhook settings page of the current workspace.
func webhooksPath(c *fiber.Ctx) string { return tenantPath(c, "/settings/webhooks") }

// webhookCreate adds an active webhook with a new signing secret.
func (s *Server) webhookCreate(c *fiber.Ctx) error {
	var in webhookInput
	if err := parse(c, &in); err != nil {
		return err
	}
	h, err := s.Webhooks.Create(c.UserContext(), tenantOf(c).ID, in.URL, in.Events)
	if err != nil {
		return err
	}
	return s.done(c, webhooksPath(c), "webhook.created", fiber.StatusCreated, webhookCreated{Webhook: h, Secret: h.Secret})
}
