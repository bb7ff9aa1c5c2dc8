package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/fee"
)

// feeItemUpdate changes an item's name, due day, vacant rate, deposit flag
// and order; its calculation and cycle stay.
func (s *Server) feeItemUpdate(c *fiber.Ctx) error {
	id, err := pathUUID(c, "item")
	if err != nil {
		return err
	}
	var in fee.ItemInput
	if err := parse(c, &in); err != nil {
		return err
	}
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	it, err := s.Fees.UpdateItem(c.UserContext(), tenantOf(c).ID, scope, id, in)
	if err != nil {
		return s.feeRefused(c, err, tenantPath(c, "/fees/items"))
	}
	return s.done(c, tenantPath(c, "/fees/items?estate="+it.EstateID.String()), "fee.done.item_saved", fiber.StatusOK, it)
}
