package server

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/fee"
)

// feeReadingInput is a reading as the API sends it (fee.ReadingInput, in
// hundredths) or as the sheet's row form does: the readings as typed, and
// the estate and building to go back to.
type feeReadingInput struct {
	fee.ReadingInput
	FormUnit     string `json:"-" form:"unit_id"`
	FormItem     string `json:"-" form:"item_id"`
	FormPeriod   string `json:"-" form:"period"`
	FormReading  string `json:"-" form:"reading"`
	FormStart    string `json:"-" form:"start"`
	FormReplaced bool   `json:"-" form:"replaced"`
	FormCorrect  bool   `json:"-" form:"correct"`
	Estate       string `json:"-" form:"estate"`
	Building     string `json:"-" form:"building"`
}

// form reads the row form's fields into the reading.
func (in *feeReadingInput) form() error {
	var err error
	if in.UnitID, err = uuid.Parse(in.FormUnit); err != nil {
		return database.ErrNotFound
	}
	if in.ItemID, err = uuid.Parse(in.FormItem); err != nil {
		return database.ErrNotFound
	}
	in.Period, in.Replaced, in.Correct = in.FormPeriod, in.FormReplaced, in.FormCorrect
	if in.Value, err = fee.ParseReading(in.FormReading); err != nil {
		return err
	}
	if in.Replaced && strings.TrimSpace(in.FormStart) != "" {
		if in.Start, err = fee.ParseReading(in.FormStart); err != nil {
			return err
		}
	}
	return nil
}

// feeReadingRecord records (or, with correct, corrects) one unit's meter
// reading. The sheet posts a row at a time: htmx swaps in the saved row,
// or the row with its error and what was typed; without script the page
// comes back the same way.
func (s *Server) feeReadingRecord(c *fiber.Ctx) error {
	var in feeReadingInput
	if err := parse(c, &in); err != nil {
		return err
	}
	a, err := s.feeActor(c)
	if err != nil {
		return err
	}
	ctx, t := c.UserContext(), tenantOf(c)
	if isAPI(c) {
		r, err := s.Fees.RecordReading(ctx, t, a, in.ReadingInput)
		if err != nil {
			return err
		}
		return c.Status(fiber.StatusCreated).JSON(r)
	}
	err = in.form()
	if err == nil {
		_, err = s.Fees.RecordReading(ctx, t, a, in.ReadingInput)
	}
	if err != nil && !isFeeInputError(err) && !isFeeConflict(err) {
		return err
	}
	ch, cerr := s.readingChoice(c, in.FormItem, in.Building, in.FormPeriod)
	if cerr != nil {
		return cerr
	}
	if ch.Item == nil || ch.Building == nil {
		return database.ErrNotFound
	}
	sheet, serr := s.Fees.ReadingSheet(ctx, t.ID, a.Scope, ch.Item.ID, ch.Period, ch.Building.ID)
	if serr != nil {
		if err != nil {
			return err
		}
		return serr
	}
	var row *readingRowView
	for _, r := range sheet.Rows {
		if r.UnitID == in.UnitID {
			v := readingRow(r)
			row = &v
		}
	}
	if row == nil {
		return database.ErrNotFound // the unit is not of this building
	}
	if err != nil {
		row.Typed, row.TypedStart, row.Replaced, row.Error = in.FormReading, in.FormStart, in.FormReplaced, s.feeMessage(c, err)
	}
	if c.Get("HX-Request") == "true" {
		return s.render(c, "fee_reading_row", "fee.page.readings", map[string]any{"Line": s.readingLine(c, ch, *row)})
	}
	if err != nil {
		return s.renderReadingSheet(c, ch, sheet, row, "", fiber.StatusUnprocessableEntity)
	}
	q := url.Values{"estate": {ch.Estate.ID.String()}, "item": {ch.Item.ID.String()}, "period": {ch.Period}, "building": {ch.Building.ID.String()}}
	return s.done(c, tenantPath(c, "/fees/readings?"+q.Encode()+"#u-"+in.UnitID.String()), "", fiber.StatusSeeOther, nil)
}

// isFeeConflict: a fee refusal because the data moved on (409).
func isFeeConflict(err error) bool {
	status, _, ok := classifyFee(err)
	return ok && status == fiber.StatusConflict
}
