package pdf

import (
	"io"
	"strconv"

	"github.com/estatedesk/estatedesk/internal/fee"
)

// Receipt is what a receipt (收款收据) prints, in the company's words: the
// caller formats names, dates and the method.
type Receipt struct {
	Company   string
	Estate    string
	Unit      string
	Payer     string
	ReceiptNo string
	PaidAt    string
	Method    string
	Cashier   string
	Lines     []ReceiptLine
	// PrepaidFen is the part taken as a prepayment (预存款).
	PrepaidFen int64
	TotalFen   int64
	// Print is which print this is: 1 is the original, any later one is
	// marked as a copy (副本).
	Print     int
	PrintedAt string
	// Voided (红冲) receipts carry a large 作废 across them and the reason.
	Voided     bool
	VoidedAt   string
	VoidReason string
}

// ReceiptLine is what the payment settled of one bill.
type ReceiptLine struct {
	Item      string
	Period    string
	AmountFen int64
}

// RenderReceipt writes a receipt on an A5 sheet, landscape.
func RenderReceipt(w io.Writer, r *Receipt, tr T) error {
	d := newDoc("L", "A5")
	d.SetMargins(12, 10, 12)
	d.SetAutoPageBreak(true, 10)
	// Every page of a copy says so and every page of a voided receipt
	// carries the stamp: no page of many may pass for an original.
	d.SetHeaderFunc(func() {
		if r.Print > 1 {
			d.copyMark(tr("pdf.receipt.copy", nil), tr("pdf.receipt.print_no", map[string]any{"N": r.Print}))
			if d.PageNo() > 1 {
				d.SetY(30)
			}
		}
	})
	d.SetFooterFunc(func() {
		if r.Voided {
			d.stamp(tr("pdf.receipt.void_stamp", nil), 105, 80, 72)
		}
	})
	d.AddPage()
	const full = 186.0 // 210 − 2 × 12
	d.setSize(13)
	d.cell(full, 7, r.Company, "C", "", false)
	d.Ln(8)
	d.setSize(20)
	d.cell(full, 10, tr("pdf.receipt.title", nil), "C", "", false)
	d.Ln(12)
	d.setSize(10)
	d.cell(full/2, 6, tr("pdf.receipt.no", map[string]any{"No": r.ReceiptNo}), "L", "", false)
	d.cell(full/2, 6, tr("pdf.receipt.paid_at", map[string]any{"At": r.PaidAt}), "R", "", false)
	d.Ln(7)

	info := []col{{24, "C"}, {69, "L"}, {24, "C"}, {69, "L"}}
	d.row(info, []string{tr("pdf.field.estate", nil), r.Estate, tr("pdf.field.unit", nil), r.Unit}, 7, false)
	d.row(info, []string{tr("pdf.field.payer", nil), r.Payer, tr("pdf.field.method", nil), r.Method}, 7, false)

	lines := []col{{76, "L"}, {60, "C"}, {50, "R"}}
	d.row(lines, []string{tr("pdf.field.item", nil), tr("pdf.field.period", nil), tr("pdf.field.amount", nil)}, 7, true)
	for _, l := range r.Lines {
		d.row(lines, []string{l.Item, l.Period, fee.Format(l.AmountFen)}, 7, false)
	}
	if r.PrepaidFen > 0 {
		d.row(lines, []string{tr("pdf.receipt.prepayment", nil), "", fee.Format(r.PrepaidFen)}, 7, false)
	}
	d.cell(136, 8, tr("pdf.receipt.total_words", map[string]any{"Words": fee.Capital(r.TotalFen)}), "L", "1", false)
	d.cell(50, 8, fee.Format(r.TotalFen), "R", "1", false)
	d.Ln(10)

	if r.Voided {
		d.SetTextColor(200, 0, 0)
		d.para(full, 6, tr("pdf.receipt.voided", map[string]any{"At": r.VoidedAt, "Reason": r.VoidReason}), "L")
		d.SetTextColor(0, 0, 0)
	}
	d.cell(full*2/3, 7, tr("pdf.receipt.company", map[string]any{"Company": r.Company}), "L", "", false)
	d.cell(full/3, 7, tr("pdf.receipt.cashier", map[string]any{"Name": r.Cashier}), "R", "", false)
	d.Ln(7)
	d.setSize(8)
	d.cell(full, 5, tr("pdf.receipt.printed", map[string]any{"At": r.PrintedAt, "N": strconv.Itoa(r.Print)}), "R", "", false)
	d.Ln(5)
	return d.Output(w)
}

// copyMark writes the red boxed 副本 at the top right, with which print
// it is under it.
func (d *doc) copyMark(label, which string) {
	x, y, size := d.GetX(), d.GetY(), d.size
	d.SetDrawColor(200, 0, 0)
	d.SetTextColor(200, 0, 0)
	d.SetLineWidth(0.6)
	d.SetXY(160, 12)
	d.setSize(16)
	d.cell(30, 10, label, "C", "1", false)
	d.SetXY(160, 22)
	d.setSize(8)
	d.cell(30, 5, which, "C", "", false)
	d.SetLineWidth(0.2)
	d.SetDrawColor(0, 0, 0)
	d.SetTextColor(0, 0, 0)
	d.setSize(size)
	d.SetXY(x, y)
}
