package server

import "github.com/gofiber/fiber/v2"

// webhookUpdate replaces a webhook's URL, events and whether it is on;
// switching it off cancels the deliveries still waiting. A browser form
// leaves an unticked "active" out, which means off; a JSON body without
// "active" means on.
func (s *Server) webhookUpdate(c *fiber.Ctx) error {
	id, err := pathUUID(c, "webhook")
	if err != nil {
		return err
	}
	var in webhookInput
	if err := parse(c, &in); err != nil {
		return err
	}
	active := isAPI(c)
	if in.Active != nil {
		active = *in.Active
	}
	h, err := s.Webhooks.Update(c.UserContext(), tenantOf(c).ID, id, in.URL, in.Events, active)
	if err != nil {
		return err
	}
	return s.done(c, webhooksPath(c), "webhook.saved", fiber.StatusOK, h)
}
