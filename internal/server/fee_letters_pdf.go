package server

import (
	"bytes"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/fee"
	"github.com/estatedesk/estatedesk/internal/i18n"
	"github.com/estatedesk/estatedesk/internal/pdf"
)

// feeLettersSelection is the units a batch of letters is for, when the
// arrears list's filters are not enough: ticked units (form fields
// "unit", or JSON "units").
type feeLettersSelection struct {
	Units []string `json:"units" form:"unit"`
}

// feeLettersPDF: reminder letters (催缴通知书), one page per unit in
// arrears, for the arrears list's filters (estate, building, item, as_of)
// and min_days — units whose oldest arrears are at least that many days
// overdue — and, posted, for the ticked units only. Each letter lists the
// unit's bills in arrears. At most fee.MaxOverdueUnits letters a batch.
func (s *Server) feeLettersPDF(c *fiber.Ctx) error {
	_, est, q, err := s.feeArrearsFilter(c)
	if err != nil {
		return err
	}
	if est == nil {
		return database.ErrNotFound
	}
	minDays := 0
	if v := c.Query("min_days"); v != "" {
		if minDays, err = strconv.Atoi(v); err != nil || minDays < 0 || minDays > 3650 {
			return fee.ErrInvalidMinDays
		}
	}
	var only map[uuid.UUID]bool
	if c.Method() == fiber.MethodPost {
		var sel feeLettersSelection
		if err := c.BodyParser(&sel); err != nil {
			return errBadRequest
		}
		only = make(map[uuid.UUID]bool, len(sel.Units))
		for _, u := range sel.Units {
			id, err := uuid.Parse(u)
			if err != nil {
				return database.ErrNotFound
			}
			only[id] = true
		}
	}
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	ctx, t := c.UserContext(), tenantOf(c)
	asOf, err := s.Fees.AsOf(t, q.AsOf)
	if err != nil {
		return err
	}
	cutoff := asOf.AddDate(0, 0, -minDays).Format("2006-01-02")
	// The arrears list's units, in its order, narrowed to the selection.
	var ids []uuid.UUID
	const page = 500
	for after := ""; ; {
		rows, err := s.Fees.ArrearsByUnit(ctx, t, scope, q, after, page)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if r.OldestDue <= cutoff && (len(only) == 0 || only[r.UnitID]) {
				ids = append(ids, r.UnitID)
			}
		}
		if len(ids) > fee.MaxOverdueUnits {
			return fee.ErrTooManyUnits
		}
		if len(rows) < page {
			break
		}
		after = rows[len(rows)-1].Code
	}
	if len(ids) == 0 {
		return fee.ErrNoArrears
	}
	bills, err := s.Fees.OverdueBills(ctx, t, scope, q, ids)
	if err != nil {
		return err
	}
	names, err := s.feeItemNames(c, scope, est.ID)
	if err != nil {
		return err
	}
	byUnit := map[uuid.UUID][]fee.Bill{}
	for _, b := range bills {
		byUnit[b.UnitID] = append(byUnit[b.UnitID], b)
	}
	date, today := i18n.Date(langOf(c), asOf), tenantDay(c)
	letters := make([]pdf.Letter, 0, len(ids))
	for _, id := range ids {
		d, err := s.Estates.GetUnit(ctx, t.ID, scope, id)
		if err != nil {
			return err
		}
		l := pdf.Letter{Company: t.Name, Estate: est.Name, Address: est.Address, Phone: est.OfficePhone,
			Unit: d.Unit.Code, Owner: unitOwner(d, today), Date: date}
		for _, b := range byUnit[id] {
			l.Lines = append(l.Lines, pdf.LetterLine{Item: names[b.ItemID], Period: b.Period, Due: b.DueDate,
				OpenFen: b.OpenFen(), Days: fee.DaysOverdue(b.DueDate, asOf)})
			l.TotalFen += b.OpenFen()
		}
		letters = append(letters, l)
	}
	tr := s.pdfT(c)
	name := tr("pdf.letter.file", nil) + "-" + est.Name + "-" + asOf.Format("2006-01-02")
	return sendPDF(c, name, func(b *bytes.Buffer) error { return pdf.RenderLetters(b, letters, tr) })
}
