package server

import (
	"github.com/gofiber/fiber/v2"
)

// feeVoidInput is the void's reason.
type feeVoidInput struct {
	Reason string `json:"reason" form:"reason"`
}

// feePaymentVoid voids a payment (红冲) with a reason: both records stay,
// its bills reopen and its prepayment is taken back.
func (s *Server) feePaymentVoid(c *fiber.Ctx) error {
	id, err := pathUUID(c, "payment")
	if err != nil {
		return err
	}
	var in feeVoidInput
	if err := parse(c, &in); err != nil {
		return err
	}
	a, err := s.feeActor(c)
	if err != nil {
		return err
	}
	back := tenantPath(c, "/fees/payments/"+id.String())
	rc, err := s.Fees.Void(c.UserContext(), tenantOf(c).ID, a, id, in.Reason)
	if err != nil {
		return s.feeRefused(c, err, back)
	}
	return s.done(c, back, "fee.done.voided", fiber.StatusOK, rc)
}
