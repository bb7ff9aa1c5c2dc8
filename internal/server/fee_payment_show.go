package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/fee"
)

// feePaymentShow: a payment's receipt — what it settled, the prepayment,
// the clerk — with the reprint and, for a manager, the void (红冲).
func (s *Server) feePaymentShow(c *fiber.Ctx) error {
	id, err := pathUUID(c, "payment")
	if err != nil {
		return err
	}
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	ctx, t := c.UserContext(), tenantOf(c)
	rc, err := s.Fees.Payment(ctx, t.ID, scope, id)
	if err != nil {
		return err
	}
	if isAPI(c) {
		return c.JSON(rc)
	}
	names, err := s.feeItemNames(c, scope, rc.Payment.EstateID)
	if err != nil {
		return err
	}
	bills := map[uuid.UUID]feeBillView{}
	for _, b := range rc.Bills {
		bills[b.ID] = feeBillView{Bill: b, Item: names[b.ItemID], OpenFen: b.OpenFen()}
	}
	d, err := s.Estates.GetUnit(ctx, t.ID, scope, rc.Payment.UnitID)
	if err != nil {
		return err
	}
	return s.render(c, "fee_payment", "fee.page.payment", map[string]any{"Receipt": rc, "Bills": bills, "Detail": d,
		"Clerk": s.memberName(c, rc.Payment.ClerkID), "Prepay": rc.Payment.PrepaidFen > 0 && rc.Payment.VoidedAt == nil, "Methods": fee.Methods})
}
