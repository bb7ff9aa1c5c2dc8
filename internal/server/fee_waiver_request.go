package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/fee"
)

// feeWaiverInput asks to waive part of a bill: the API in fen, a browser
// in yuan.
type feeWaiverInput struct {
	AmountFen int64  `json:"amount_fen" form:"-"`
	Amount    string `json:"-" form:"amount"`
	Reason    string `json:"reason" form:"reason"`
	// LateFee asks to waive the bill's late fee (滞纳金) instead.
	LateFee bool `json:"late_fee" form:"late_fee"`
}

// feeWaiverRequest asks for a waiver (减免) of part of a bill, with a
// reason; an office head or manager decides it.
func (s *Server) feeWaiverRequest(c *fiber.Ctx) error {
	billID, err := pathUUID(c, "bill")
	if err != nil {
		return err
	}
	var in feeWaiverInput
	if err := parse(c, &in); err != nil {
		return err
	}
	a, err := s.feeActor(c)
	if err != nil {
		return err
	}
	ctx, t := c.UserContext(), tenantOf(c)
	if !isAPI(c) {
		if in.AmountFen, err = fee.ParseYuan(in.Amount); err != nil {
			return s.feeBillRefused(c, a, billID, err)
		}
	}
	var w *fee.Waiver
	if in.LateFee {
		w, err = s.Fees.RequestLateFeeWaiver(ctx, t, a, billID, in.AmountFen, in.Reason)
	} else {
		w, err = s.Fees.RequestWaiver(ctx, t.ID, a, billID, in.AmountFen, in.Reason)
	}
	if err != nil {
		return s.feeBillRefused(c, a, billID, err)
	}
	b, err := s.Fees.Bill(ctx, t.ID, a.Scope, billID)
	if err != nil {
		return err
	}
	return s.done(c, tenantPath(c, "/fees/units/"+b.UnitID.String()), "fee.done.waiver_requested", fiber.StatusCreated, w)
}

// feeBillRefused sends a browser back to the bill's unit with the reason.
func (s *Server) feeBillRefused(c *fiber.Ctx, a fee.Actor, billID uuid.UUID, err error) error {
	back := tenantPath(c, "/fees")
	if b, berr := s.Fees.Bill(c.UserContext(), tenantOf(c).ID, a.Scope, billID); berr == nil {
		back = tenantPath(c, "/fees/units/"+b.UnitID.String())
	}
	return s.feeRefused(c, err, back)
}
