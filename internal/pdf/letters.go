package pdf

import (
	"io"
	"strconv"

	"github.com/estatedesk/estatedesk/internal/fee"
)

// Letter is a reminder letter (催缴通知书) to the owner of one unit with
// arrears.
type Letter struct {
	Company string
	Estate  string
	// Address and Phone are the estate's service centre's, where to pay.
	Address string
	Phone   string
	Unit    string
	// Owner is whom the letter greets; without one, the unit's owner.
	Owner string
	// Date is the day the arrears are counted to and the letter is dated.
	Date     string
	Lines    []LetterLine
	TotalFen int64
}

// LetterLine is one bill in arrears.
type LetterLine struct {
	Item    string
	Period  string
	Due     string
	OpenFen int64
	Days    int
}

// RenderLetters writes reminder letters in one PDF, each beginning on a
// new A4 page (a letter of very many bills goes on over the next). The
// dunning work that records reminders calls it too.
func RenderLetters(w io.Writer, letters []Letter, tr T) error {
	d := newDoc("P", "A4")
	d.SetMargins(20, 18, 20)
	const full = 170.0
	for i := range letters {
		l := &letters[i]
		d.AddPage()
		d.setSize(12)
		d.cell(full, 7, l.Company, "C", "", false)
		d.Ln(9)
		d.setSize(20)
		d.cell(full, 11, tr("pdf.letter.title", nil), "C", "", false)
		d.Ln(16)
		d.setSize(11)
		if l.Owner != "" {
			d.cell(full, 7, tr("pdf.letter.dear", map[string]any{"Name": l.Owner}), "L", "", false)
		} else {
			d.cell(full, 7, tr("pdf.letter.dear_unit", map[string]any{"Unit": l.Unit}), "L", "", false)
		}
		d.Ln(9)
		d.para(full, 7, tr("pdf.letter.body", map[string]any{"Company": l.Company, "Date": l.Date, "Estate": l.Estate, "Unit": l.Unit}), "L")
		d.Ln(3)
		d.setSize(10)
		cols := []col{{50, "L"}, {30, "C"}, {30, "C"}, {35, "R"}, {25, "R"}}
		d.row(cols, []string{tr("pdf.field.item", nil), tr("pdf.field.period", nil), tr("pdf.field.due", nil),
			tr("pdf.field.arrears", nil), tr("pdf.field.days", nil)}, 7, true)
		for _, b := range l.Lines {
			d.row(cols, []string{b.Item, b.Period, b.Due, fee.Format(b.OpenFen), strconv.Itoa(b.Days)}, 7, false)
		}
		d.Ln(3)
		d.setSize(11)
		d.para(full, 7, tr("pdf.letter.total", map[string]any{"Amount": fee.Format(l.TotalFen), "Words": fee.Capital(l.TotalFen)}), "L")
		d.Ln(2)
		d.para(full, 7, tr("pdf.letter.how", map[string]any{"Estate": l.Estate}), "L")
		if l.Address != "" || l.Phone != "" {
			d.para(full, 7, tr("pdf.letter.office", map[string]any{"Address": l.Address, "Phone": l.Phone}), "L")
		}
		d.Ln(2)
		d.cell(full, 7, tr("pdf.letter.closing", nil), "L", "", false)
		d.Ln(16)
		d.cell(full, 7, l.Company+tr("pdf.letter.seal", nil), "R", "", false)
		d.Ln(7)
		d.cell(full, 7, l.Date, "R", "", false)
		d.Ln(7)
	}
	if len(letters) == 0 {
		d.AddPage()
	}
	return d.Output(w)
}
