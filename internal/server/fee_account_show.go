package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/fee"
)

// feeBillView is a bill with its item's name, as the account lists it.
type feeBillView struct {
	fee.Bill
	Item    string
	OpenFen int64
	// Late is its late fee if paid today (zero when not late).
	Late fee.LateFee
}

// feeAccountJSON is the account as the API answers it: with the late
// fees of its open bills if paid today and their total.
type feeAccountJSON struct {
	*fee.Account
	LateFees   []fee.LateFee `json:"late_fees"`
	LateFeeFen int64         `json:"late_fee_fen"`
}

// feePayForm is the counter's payment form as typed: ticked bills,
// method, amounts in yuan, and the form's own idempotency key so that a
// double-clicked submit records one payment.
type feePayForm struct {
	BillIDs        []string   `form:"bill_ids"`
	Method         fee.Method `form:"method"`
	Amount         string     `form:"amount"`
	Prepay         string     `form:"prepay"`
	IdempotencyKey string     `form:"idempotency_key"`
	// Shown is each open bill's open amount as the page showed it
	// ("id:fen"): the ticked ones' sum is the amount when none is typed,
	// and the total the payment expects — a double click pays the same,
	// and bills changed meanwhile are refused rather than paid blind.
	Shown []string `form:"shown"`
	// LateShown is each bill's late fee as the page showed it ("id:fen"),
	// while the estate charges late fees: the ticked ones' sum is what a
	// payment of the whole amount must charge, or it is refused.
	LateShown []string `form:"late_shown"`
}

// feeAccountShow: a unit's fee account — its bills (open ones ticked for
// the counter, oldest first), payments, waivers and the movements of its
// prepaid balance with the balance after each — and, for a cashier, the
// payment form.
func (s *Server) feeAccountShow(c *fiber.Ctx) error {
	id, err := pathUUID(c, "unit")
	if err != nil {
		return err
	}
	return s.showFeeAccount(c, id, nil)
}

func (s *Server) showFeeAccount(c *fiber.Ctx, id uuid.UUID, fail *formFail) error {
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	ctx, t := c.UserContext(), tenantOf(c)
	ac, err := s.Fees.Account(ctx, t.ID, scope, id)
	if err != nil {
		return err
	}
	// The late fees (滞纳金) of the open bills if paid today.
	policy, late, err := s.Fees.LateFees(ctx, t, scope, id)
	if err != nil {
		return err
	}
	lateTotal := fee.LateTotal(late)
	if isAPI(c) {
		return c.JSON(feeAccountJSON{Account: ac, LateFees: late, LateFeeFen: lateTotal})
	}
	lateOf := make(map[uuid.UUID]fee.LateFee, len(late))
	for _, lf := range late {
		lateOf[lf.BillID] = lf
	}
	names, err := s.feeItemNames(c, scope, ac.Unit.EstateID)
	if err != nil {
		return err
	}
	bills := make([]feeBillView, len(ac.Bills))
	billItem := map[uuid.UUID]string{}
	for i, b := range ac.Bills {
		bills[i] = feeBillView{Bill: b, Item: names[b.ItemID], OpenFen: b.OpenFen(), Late: lateOf[b.ID]}
		billItem[b.ID] = names[b.ItemID] + " " + b.Period
	}
	// What each balance movement paid or gave back, by the movement.
	moveBill := map[uuid.UUID]string{}
	for _, m := range ac.Movements {
		if m.BillID != nil {
			moveBill[m.ID] = billItem[*m.BillID]
		}
	}
	d, err := s.Estates.GetUnit(ctx, t.ID, scope, id)
	if err != nil {
		return err
	}
	contacts, err := s.Fees.Contacts(ctx, t.ID, scope, id)
	if err != nil {
		return err
	}
	reminders, err := s.Fees.UnitReminders(ctx, t.ID, scope, id)
	if err != nil {
		return err
	}
	return s.render(c, "fee_account", "fee.page.account", withForms(map[string]any{
		"Contacts": contacts, "Reminders": reminders, "Outcomes": fee.Outcomes,
		"Account": ac, "Detail": d, "Bills": bills, "BillItem": billItem, "MoveBill": moveBill, "Methods": fee.Methods,
		"Pay":        feePayForm{Method: fee.Cash, IdempotencyKey: uuid.NewString()},
		"Decider":    s.waiverDecider(c),
		"LatePolicy": policy, "LateFeeFen": lateTotal,
	}, fail))
}
