package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/fee"
)

// feeContactCreate records a contact attempt on a unit (called, promised
// to pay on a day, refused, no answer) with a note.
func (s *Server) feeContactCreate(c *fiber.Ctx) error {
	id, err := pathUUID(c, "unit")
	if err != nil {
		return err
	}
	var in fee.ContactInput
	if err := parse(c, &in); err != nil {
		return err
	}
	a, err := s.feeActor(c)
	if err != nil {
		return err
	}
	back := tenantPath(c, "/fees/units/"+id.String()) + "#fee-contacts"
	ct, err := s.Fees.RecordContact(c.UserContext(), tenantOf(c), a, id, in)
	if err != nil {
		return s.feeRefused(c, err, back)
	}
	return s.done(c, back, "dunning.done.contact", fiber.StatusCreated, ct)
}
