package server

import (
	"github.com/gofiber/fiber/v2"
)

// feeWaiverDecide approves or rejects a requested waiver. Only an office
// head or above decides (403 for a clerk, whose fee:collect lets them
// ask); they may decide a waiver they asked for themselves.
func (s *Server) feeWaiverDecide(approve bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathUUID(c, "waiver")
		if err != nil {
			return err
		}
		if !s.waiverDecider(c) {
			return errForbidden
		}
		a, err := s.feeActor(c)
		if err != nil {
			return err
		}
		ctx, t := c.UserContext(), tenantOf(c)
		w, derr := s.Fees.DecideWaiver(ctx, t.ID, a, id, approve, true)
		if w == nil {
			w2, err := s.Fees.Waiver(ctx, t.ID, a.Scope, id)
			if err != nil {
				return err
			}
			w = w2
		}
		b, err := s.Fees.Bill(ctx, t.ID, a.Scope, w.BillID)
		if err != nil {
			return err
		}
		back := tenantPath(c, "/fees/units/"+b.UnitID.String())
		if derr != nil {
			return s.feeRefused(c, derr, back)
		}
		flash := "fee.done.waiver_rejected"
		if approve {
			flash = "fee.done.waiver_approved"
		}
		return s.done(c, back, flash, fiber.StatusOK, w)
	}
}
