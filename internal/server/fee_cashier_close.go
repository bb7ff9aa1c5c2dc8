package server

import (
	"net/url"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database"
)

// feeCashierDayInput names a cashier day: the estate, the day (today by
// default) and, for a reopen, the clerk and the reason.
type feeCashierDayInput struct {
	EstateID string `json:"estate_id" form:"estate_id"`
	Day      string `json:"day" form:"day"`
	ClerkID  string `json:"clerk_id" form:"clerk_id"`
	Reason   string `json:"reason" form:"reason"`
}

// cashierPath is the page of a clerk's day.
func cashierPath(c *fiber.Ctx, estateID uuid.UUID, day, clerk string) string {
	v := url.Values{"estate": {estateID.String()}}
	if day != "" {
		v.Set("day", day)
	}
	if clerk != "" {
		v.Set("clerk", clerk)
	}
	return tenantPath(c, "/fees/cashier?"+v.Encode())
}

// feeCashierClose closes the caller's own day at an estate (日结): the
// totals are stored as closed and the clerk's payments and voids there
// that day are refused from then on.
func (s *Server) feeCashierClose(c *fiber.Ctx) error {
	var in feeCashierDayInput
	if err := parse(c, &in); err != nil {
		return err
	}
	estateID, err := uuid.Parse(in.EstateID)
	if err != nil {
		return database.ErrNotFound
	}
	a, err := s.feeActor(c)
	if err != nil {
		return err
	}
	back := cashierPath(c, estateID, in.Day, "")
	r, err := s.Fees.CloseDay(c.UserContext(), tenantOf(c), a, estateID, in.Day)
	if err != nil {
		return s.feeRefused(c, err, back)
	}
	return s.done(c, cashierPath(c, estateID, r.Day, ""), "cashier.done.closed", fiber.StatusOK, r)
}
