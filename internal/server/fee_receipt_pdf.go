package server

import (
	"bytes"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/fee"
	"github.com/estatedesk/estatedesk/internal/i18n"
	"github.com/estatedesk/estatedesk/internal/pdf"
)

// feeReceiptPDF: a payment's receipt (收款收据) as a PDF to print. Every
// request is a print and is recorded: the first is the original, each
// later one is marked 副本 (copy); a voided payment's is marked 作废.
func (s *Server) feeReceiptPDF(c *fiber.Ctx) error {
	id, err := pathUUID(c, "payment")
	if err != nil {
		return err
	}
	a, err := s.feeActor(c)
	if err != nil {
		return err
	}
	ctx, t := c.UserContext(), tenantOf(c)
	rc, print, err := s.Fees.PrintReceipt(ctx, t.ID, a, id)
	if err != nil {
		return err
	}
	p := rc.Payment
	d, err := s.Estates.GetUnit(ctx, t.ID, a.Scope, p.UnitID)
	if err != nil {
		return err
	}
	names, err := s.feeItemNames(c, a.Scope, p.EstateID)
	if err != nil {
		return err
	}
	lang, loc, tr := langOf(c), t.Location(), s.pdfT(c)
	bills := make(map[uuid.UUID]fee.Bill, len(rc.Bills))
	for _, b := range rc.Bills {
		bills[b.ID] = b
	}
	r := &pdf.Receipt{
		Company: t.Name, Estate: d.Estate.Name, Unit: d.Unit.Code, Payer: unitOwner(d, tenantDay(c)),
		ReceiptNo: p.ReceiptNo, PaidAt: i18n.DateTime(lang, p.PaidAt.In(loc)),
		Method: tr("fee.method."+string(p.Method), nil), Cashier: s.memberName(c, p.ClerkID),
		PrepaidFen: p.PrepaidFen, TotalFen: p.AmountFen,
		Print: print, PrintedAt: i18n.DateTime(lang, time.Now().In(loc)),
	}
	for _, al := range rc.Allocations {
		b := bills[al.BillID]
		r.Lines = append(r.Lines, pdf.ReceiptLine{Item: names[b.ItemID], Period: b.Period, AmountFen: al.AmountFen})
	}
	// Each late fee (滞纳金) is a line of its own.
	for _, lc := range rc.LateFees {
		if lc.AmountFen > 0 {
			b := bills[lc.BillID]
			r.Lines = append(r.Lines, pdf.ReceiptLine{Item: tr("latefee.line", map[string]any{"Item": names[b.ItemID]}), Period: b.Period, AmountFen: lc.AmountFen})
		}
	}
	if p.VoidedAt != nil {
		r.Voided, r.VoidedAt, r.VoidReason = true, i18n.DateTime(lang, p.VoidedAt.In(loc)), p.VoidReason
	}
	return sendPDF(c, tr("pdf.receipt.file", nil)+"-"+p.ReceiptNo, func(b *bytes.Buffer) error { return pdf.RenderReceipt(b, r, tr) })
}
