package server

import (
	"github.com/gofiber/fiber/v2"
)

// feeContactList: a unit's collection record — the contact attempts and
// the reminders sent, newest first. The account page shows the same.
func (s *Server) feeContactList(c *fiber.Ctx) error {
	id, err := pathUUID(c, "unit")
	if err != nil {
		return err
	}
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	ctx, t := c.UserContext(), tenantOf(c)
	contacts, err := s.Fees.Contacts(ctx, t.ID, scope, id)
	if err != nil {
		return err
	}
	reminders, err := s.Fees.UnitReminders(ctx, t.ID, scope, id)
	if err != nil {
		return err
	}
	if isAPI(c) {
		return c.JSON(fiber.Map{"contacts": contacts, "reminders": reminders})
	}
	return c.Redirect(tenantPath(c, "/fees/units/"+id.String()+"#fee-contacts"), fiber.StatusSeeOther)
}
