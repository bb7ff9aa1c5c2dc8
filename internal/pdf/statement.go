package pdf

import (
	"io"

	"github.com/estatedesk/estatedesk/internal/fee"
)

// Statement is a unit's statement of account (对账单): what its fee
// account page shows, for the owner.
type Statement struct {
	Company string
	Estate  string
	Unit    string
	Owner   string
	Date    string
	// OpenFen is what the unit owes, BalanceFen its prepaid balance.
	OpenFen    int64
	BalanceFen int64
	Entries    []StatementEntry
	Bills      []StatementBill
	Waivers    []StatementWaiver
	Movements  []StatementMovement
}

// StatementEntry is a line of the ledger (fee.Ledger) with its running
// balance: positive is owed.
type StatementEntry struct {
	Date       string
	Text       string
	ChargeFen  int64
	CreditFen  int64
	BalanceFen int64
}

// StatementBill is a bill as the account lists it.
type StatementBill struct {
	Period    string
	Item      string
	Due       string
	Status    string
	AmountFen int64
	PaidFen   int64
	WaivedFen int64
	OpenFen   int64
}

// StatementWaiver is a waiver (减免) asked for, whatever became of it.
type StatementWaiver struct {
	Date      string
	Bill      string
	Reason    string
	Status    string
	AmountFen int64
}

// StatementMovement is a change of the prepaid balance.
type StatementMovement struct {
	Date       string
	Kind       string
	Ref        string
	AmountFen  int64
	BalanceFen int64
}

// RenderStatement writes a statement on A4 sheets, numbered.
func RenderStatement(w io.Writer, s *Statement, tr T) error {
	d := newDoc("P", "A4")
	const full = 180.0
	d.SetFooterFunc(func() {
		d.SetY(-12)
		d.setSize(8)
		d.cell(full, 5, tr("pdf.statement.page", map[string]any{"N": d.PageNo(), "Total": "{nb}"}), "C", "", false)
	})
	d.AddPage()
	d.setSize(12)
	d.cell(full, 7, s.Company, "C", "", false)
	d.Ln(8)
	d.setSize(18)
	d.cell(full, 10, tr("pdf.statement.title", nil), "C", "", false)
	d.Ln(12)
	d.setSize(10)
	info := []col{{24, "C"}, {66, "L"}, {24, "C"}, {66, "L"}}
	d.row(info, []string{tr("pdf.field.estate", nil), s.Estate, tr("pdf.field.unit", nil), s.Unit}, 7, false)
	d.row(info, []string{tr("pdf.field.owner", nil), s.Owner, tr("pdf.field.date", nil), s.Date}, 7, false)
	d.Ln(2)
	d.cell(full/2, 6, tr("pdf.statement.owed", map[string]any{"Amount": fee.Format(s.OpenFen)}), "L", "", false)
	d.cell(full/2, 6, tr("pdf.statement.prepaid", map[string]any{"Amount": fee.Format(s.BalanceFen)}), "R", "", false)
	d.Ln(6)
	d.cell(full, 6, tr("pdf.statement.net", map[string]any{"Amount": fee.Format(s.OpenFen - s.BalanceFen)}), "L", "", false)
	d.Ln(9)

	d.heading(full, tr("pdf.statement.ledger", nil))
	ledger := []col{{34, "L"}, {68, "L"}, {26, "R"}, {26, "R"}, {26, "R"}}
	d.row(ledger, []string{tr("pdf.field.date", nil), tr("pdf.field.summary", nil), tr("pdf.field.charge", nil),
		tr("pdf.field.credit", nil), tr("pdf.field.balance", nil)}, 7, true)
	for _, e := range s.Entries {
		d.row(ledger, []string{e.Date, e.Text, money(e.ChargeFen), money(e.CreditFen), fee.Format(e.BalanceFen)}, 6.5, false)
	}
	if len(s.Entries) == 0 {
		d.cell(full, 6.5, tr("pdf.statement.none", nil), "C", "1", false)
		d.Ln(6.5)
	}
	d.Ln(5)

	d.heading(full, tr("pdf.statement.bills", nil))
	bills := []col{{20, "C"}, {32, "L"}, {22, "C"}, {22, "R"}, {22, "R"}, {20, "R"}, {22, "R"}, {20, "C"}}
	d.row(bills, []string{tr("pdf.field.period", nil), tr("pdf.field.item", nil), tr("pdf.field.due", nil), tr("pdf.field.amount", nil),
		tr("pdf.field.paid", nil), tr("pdf.field.waived", nil), tr("pdf.field.open", nil), tr("pdf.field.status", nil)}, 7, true)
	for _, b := range s.Bills {
		d.row(bills, []string{b.Period, b.Item, b.Due, fee.Format(b.AmountFen), money(b.PaidFen), money(b.WaivedFen), money(b.OpenFen), b.Status}, 6.5, false)
	}
	if len(s.Bills) == 0 {
		d.cell(full, 6.5, tr("pdf.statement.none", nil), "C", "1", false)
		d.Ln(6.5)
	}
	d.Ln(5)

	d.heading(full, tr("pdf.statement.waivers", nil))
	waivers := []col{{34, "L"}, {46, "L"}, {58, "L"}, {24, "R"}, {18, "C"}}
	d.row(waivers, []string{tr("pdf.field.date", nil), tr("pdf.field.bill", nil), tr("pdf.field.reason", nil),
		tr("pdf.field.amount", nil), tr("pdf.field.status", nil)}, 7, true)
	for _, w := range s.Waivers {
		d.row(waivers, []string{w.Date, w.Bill, w.Reason, fee.Format(w.AmountFen), w.Status}, 6.5, false)
	}
	if len(s.Waivers) == 0 {
		d.cell(full, 6.5, tr("pdf.statement.none", nil), "C", "1", false)
		d.Ln(6.5)
	}
	d.Ln(5)

	d.heading(full, tr("pdf.statement.movements", nil))
	moves := []col{{34, "L"}, {34, "L"}, {56, "L"}, {28, "R"}, {28, "R"}}
	d.row(moves, []string{tr("pdf.field.date", nil), tr("pdf.field.kind", nil), tr("pdf.field.summary", nil),
		tr("pdf.field.amount", nil), tr("pdf.field.balance", nil)}, 7, true)
	for _, m := range s.Movements {
		d.row(moves, []string{m.Date, m.Kind, m.Ref, fee.Format(m.AmountFen), fee.Format(m.BalanceFen)}, 6.5, false)
	}
	if len(s.Movements) == 0 {
		d.cell(full, 6.5, tr("pdf.statement.none", nil), "C", "1", false)
		d.Ln(6.5)
	}
	return d.Output(w)
}

// heading writes a section's title.
func (d *doc) heading(w float64, s string) {
	saved := d.size
	d.setSize(12)
	d.cell(w, 8, s, "L", "", false)
	d.Ln(8)
	d.setSize(saved)
}

// money is an amount for a table cell, blank for nothing.
func money(fen int64) string {
	if fen == 0 {
		return ""
	}
	return fee.Format(fen)
}
