package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database"
)

// feeCashierReopen reopens a clerk's closed day with a reason, recorded
// with who reopened it. Only an office head or above (or fee:manage)
// reopens: 403 for a clerk, whose fee:collect lets them close.
func (s *Server) feeCashierReopen(c *fiber.Ctx) error {
	var in feeCashierDayInput
	if err := parse(c, &in); err != nil {
		return err
	}
	if !s.feeCashierSupervisor(c) {
		return errForbidden
	}
	estateID, err := uuid.Parse(in.EstateID)
	if err != nil {
		return database.ErrNotFound
	}
	clerkID, err := uuid.Parse(in.ClerkID)
	if err != nil {
		return database.ErrNotFound
	}
	a, err := s.feeActor(c)
	if err != nil {
		return err
	}
	back := cashierPath(c, estateID, in.Day, clerkID.String())
	r, err := s.Fees.ReopenDay(c.UserContext(), tenantOf(c), a, estateID, clerkID, in.Day, in.Reason)
	if err != nil {
		return s.feeRefused(c, err, back)
	}
	return s.done(c, back, "cashier.done.reopened", fiber.StatusOK, r)
}
