package server

import (
	"bytes"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/fee"
	"github.com/estatedesk/estatedesk/internal/i18n"
	"github.com/estatedesk/estatedesk/internal/pdf"
)

// feeStatementPDF: a unit's statement of account (对账单) as a PDF — what
// its account page shows: the ledger of bills, payments, voids and
// waivers with the running balance, the bills, the waivers asked for, and
// the prepaid balance's movements.
func (s *Server) feeStatementPDF(c *fiber.Ctx) error {
	id, err := pathUUID(c, "unit")
	if err != nil {
		return err
	}
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	ctx, t := c.UserContext(), tenantOf(c)
	ac, err := s.Fees.Account(ctx, t.ID, scope, id)
	if err != nil {
		return err
	}
	d, err := s.Estates.GetUnit(ctx, t.ID, scope, id)
	if err != nil {
		return err
	}
	names, err := s.feeItemNames(c, scope, ac.Unit.EstateID)
	if err != nil {
		return err
	}
	tr := s.pdfT(c)
	st := &pdf.Statement{Company: t.Name, Estate: d.Estate.Name, Unit: d.Unit.Code, Owner: unitOwner(d, tenantDay(c)),
		Date: i18n.Date(langOf(c), tenantToday(c)), OpenFen: ac.OpenFen, BalanceFen: ac.BalanceFen}
	billText := make(map[uuid.UUID]map[string]any, len(ac.Bills))
	for _, b := range ac.Bills {
		billText[b.ID] = map[string]any{"Item": names[b.ItemID], "Period": b.Period}
		st.Bills = append(st.Bills, pdf.StatementBill{Period: b.Period, Item: names[b.ItemID], Due: b.DueDate,
			Status: tr("fee.bill_status."+string(b.Status), nil), AmountFen: b.AmountFen, PaidFen: b.PaidFen, WaivedFen: b.WaivedFen, OpenFen: b.OpenFen()})
	}
	payments := make(map[uuid.UUID]fee.Payment, len(ac.Payments))
	for _, p := range ac.Payments {
		payments[p.ID] = p
	}
	for _, e := range fee.Ledger(ac) {
		var text string
		switch e.Kind {
		case fee.EntryBill, fee.EntryWaiver:
			text = tr("pdf.statement."+string(e.Kind), billText[*e.BillID])
		case fee.EntryPayment, fee.EntryVoid:
			p := payments[*e.PaymentID]
			text = tr("pdf.statement."+string(e.Kind), map[string]any{"No": p.ReceiptNo, "Method": tr("fee.method."+string(p.Method), nil)})
		case fee.EntryLateFee:
			// Charged with the payment, or given back by its void.
			id := "latefee.statement.charged"
			if e.CreditFen > 0 {
				id = "latefee.statement.returned"
			}
			text = tr(id, map[string]any{"No": payments[*e.PaymentID].ReceiptNo})
		}
		st.Entries = append(st.Entries, pdf.StatementEntry{Date: pdfTime(c, e.At), Text: text, ChargeFen: e.ChargeFen, CreditFen: e.CreditFen, BalanceFen: e.BalanceFen})
	}
	for _, w := range ac.Waivers {
		bill := tr("pdf.statement.bill", billText[w.BillID])
		if w.LateFee {
			bill = tr("latefee.line", map[string]any{"Item": bill})
		}
		st.Waivers = append(st.Waivers, pdf.StatementWaiver{Date: pdfTime(c, w.RequestedAt), Bill: bill,
			Reason: w.Reason, Status: tr("fee.waiver_status."+string(w.Status), nil), AmountFen: w.AmountFen})
	}
	for _, m := range ac.Movements {
		ref := ""
		if m.PaymentID != nil {
			ref = payments[*m.PaymentID].ReceiptNo
		} else if m.BillID != nil {
			ref = tr("pdf.statement.bill", billText[*m.BillID])
		}
		st.Movements = append(st.Movements, pdf.StatementMovement{Date: pdfTime(c, m.At), Kind: tr("fee.movement."+string(m.Kind), nil),
			Ref: ref, AmountFen: m.AmountFen, BalanceFen: m.BalanceFen})
	}
	name := tr("pdf.statement.file", nil) + "-" + d.Unit.Code + "-" + tenantDay(c)
	return sendPDF(c, name, func(b *bytes.Buffer) error { return pdf.RenderStatement(b, st, tr) })
}
