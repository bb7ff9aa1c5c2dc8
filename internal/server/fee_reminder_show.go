package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/notify"
)

// feeReminderShow: a batch of reminders — its progress while the job
// works (the page reloads itself), then each unit's outcome — with the
// letters of the same units to print.
func (s *Server) feeReminderShow(c *fiber.Ctx) error {
	id, err := pathUUID(c, "batch")
	if err != nil {
		return err
	}
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	b, rems, err := s.Fees.ReminderBatch(c.UserContext(), tenantOf(c).ID, scope, id)
	if err != nil {
		return err
	}
	if !s.seesPhones(c) {
		for i := range rems {
			if rems[i].Channel != notify.Email {
				rems[i].Recipient = maskPhones([]string{rems[i].Recipient})[0]
			}
		}
	}
	if isAPI(c) {
		return c.JSON(fiber.Map{"batch": b, "reminders": rems})
	}
	return s.render(c, "fee_reminders", "dunning.page.batch", map[string]any{"Batch": b, "Reminders": rems, "Working": b.Working()})
}
