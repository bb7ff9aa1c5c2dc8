package server

import (
	"github.com/gofiber/fiber/v2"
)

// feeItemArchive archives an item (runs skip it, its bills stay) or
// brings it back.
func (s *Server) feeItemArchive(archived bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathUUID(c, "item")
		if err != nil {
			return err
		}
		scope, err := s.scope(c)
		if err != nil {
			return err
		}
		ctx, t := c.UserContext(), tenantOf(c)
		if err := s.Fees.SetItemArchived(ctx, t.ID, scope, id, archived); err != nil {
			return err
		}
		it, _, err := s.Fees.Item(ctx, t.ID, scope, id)
		if err != nil {
			return err
		}
		return s.done(c, tenantPath(c, "/fees/items?estate="+it.EstateID.String()), "fee.done.item_saved", fiber.StatusOK, it)
	}
}
