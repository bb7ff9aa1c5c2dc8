package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/fee"
)

// readingRowView is a unit's line of the meter-reading sheet: its
// readings as people write them and, after a refused save, what was typed
// with the reason.
type readingRowView struct {
	fee.SheetRow
	LastText, CurrentText, Used string
	Typed, TypedStart           string
	Replaced                    bool
	Error                       string
}

func readingRow(r fee.SheetRow) readingRowView {
	v := readingRowView{SheetRow: r}
	if r.Last != nil {
		v.LastText = fee.FormatReading(r.Last.Value)
	}
	if r.Current != nil {
		v.CurrentText, v.Used = fee.FormatReading(r.Current.Value), fee.FormatReading(r.Current.Consumption())
		v.Typed, v.Replaced = v.CurrentText, r.Current.Replaced
		if r.Current.Replaced {
			v.TypedStart = fee.FormatReading(r.Current.Previous)
		}
	}
	return v
}

// readingLine is a row with what its form needs to post it back.
type readingLine struct {
	Row        readingRowView
	Slug, CSRF string
	EstateID   uuid.UUID
	ItemID     uuid.UUID
	BuildingID uuid.UUID
	Period     string
}

func (s *Server) readingLine(c *fiber.Ctx, ch *readingChoice, row readingRowView) readingLine {
	return readingLine{Row: row, Slug: tenantOf(c).Slug, CSRF: s.csrfToken(c), EstateID: ch.Estate.ID, ItemID: ch.Item.ID,
		BuildingID: ch.Building.ID, Period: ch.Period}
}

// readingChoice is what the sheet is opened for: the estate's meter items
// and buildings, and the one item, period and building chosen (the first
// item and building, and the item's current period, by default).
type readingChoice struct {
	Estates   []estate.Estate
	Estate    *estate.Estate
	Items     []fee.Item
	Buildings []estate.BuildingSummary
	Item      *fee.Item
	Building  *estate.BuildingSummary
	Period    string
}

func (s *Server) readingChoice(c *fiber.Ctx, itemQ, buildingQ, period string) (*readingChoice, error) {
	ch := &readingChoice{Period: period}
	var err error
	if ch.Estates, ch.Estate, err = s.feeEstates(c); err != nil || ch.Estate == nil {
		return ch, err
	}
	scope, err := s.scope(c)
	if err != nil {
		return nil, err
	}
	ctx, tid := c.UserContext(), tenantOf(c).ID
	items, err := s.Fees.Items(ctx, tid, scope, ch.Estate.ID, false)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		if it.Kind == fee.ByMeter {
			ch.Items = append(ch.Items, it)
		}
	}
	if ch.Buildings, err = s.Estates.Buildings(ctx, tid, scope, ch.Estate.ID); err != nil {
		return nil, err
	}
	pick := func(q string, n int, id func(int) uuid.UUID) (int, error) {
		if q == "" {
			return min(0, n-1), nil
		}
		want, err := uuid.Parse(q)
		if err != nil {
			return -1, database.ErrNotFound
		}
		for i := range n {
			if id(i) == want {
				return i, nil
			}
		}
		return -1, database.ErrNotFound
	}
	i, err := pick(itemQ, len(ch.Items), func(i int) uuid.UUID { return ch.Items[i].ID })
	if err != nil {
		return nil, err
	}
	if i >= 0 {
		ch.Item = &ch.Items[i]
		if ch.Period == "" {
			ch.Period = fee.PeriodOf(ch.Item.Cycle, tenantToday(c)).String()
		}
	}
	if i, err = pick(buildingQ, len(ch.Buildings), func(i int) uuid.UUID { return ch.Buildings[i].ID }); err != nil {
		return nil, err
	}
	if i >= 0 {
		ch.Building = &ch.Buildings[i]
	}
	return ch, nil
}

// feeReadingSheet is the meter-reading sheet (抄表单) a reader works
// through on a phone: the units of one building with their last reading
// of a meter item and an input each, saved row by row.
func (s *Server) feeReadingSheet(c *fiber.Ctx) error {
	ch, err := s.readingChoice(c, c.Query("item"), c.Query("building"), c.Query("period"))
	if err != nil {
		return err
	}
	var sheet *fee.Sheet
	var refused string
	if ch.Item != nil && ch.Building != nil {
		scope, err := s.scope(c)
		if err != nil {
			return err
		}
		sheet, err = s.Fees.ReadingSheet(c.UserContext(), tenantOf(c).ID, scope, ch.Item.ID, ch.Period, ch.Building.ID)
		if err != nil && (isAPI(c) || !isFeeInputError(err)) {
			return err
		}
		if err != nil {
			refused = s.feeMessage(c, err)
		}
	}
	if isAPI(c) {
		if sheet == nil {
			return database.ErrNotFound
		}
		return c.JSON(sheet)
	}
	return s.renderReadingSheet(c, ch, sheet, nil, refused, fiber.StatusOK)
}

// renderReadingSheet shows the sheet; row, when set, replaces its unit's
// line (a refused save, with what was typed and why).
func (s *Server) renderReadingSheet(c *fiber.Ctx, ch *readingChoice, sheet *fee.Sheet, row *readingRowView, refused string, status int) error {
	var rows []readingLine
	read := 0
	if sheet != nil {
		rows = make([]readingLine, len(sheet.Rows))
		for i, r := range sheet.Rows {
			v := readingRow(r)
			if row != nil && row.UnitID == r.UnitID {
				v = *row
			}
			rows[i] = s.readingLine(c, ch, v)
			if r.Current != nil {
				read++
			}
		}
	}
	c.Status(status)
	return s.render(c, "fee_readings", "fee.page.readings", map[string]any{"Estates": ch.Estates, "Estate": ch.Estate, "Items": ch.Items,
		"Buildings": ch.Buildings, "Item": ch.Item, "Building": ch.Building, "Period": ch.Period, "Sheet": sheet, "Rows": rows, "Read": read, "Refused": refused})
}

// isFeeInputError: a fee error the person can fix by what they type.
func isFeeInputError(err error) bool {
	status, _, ok := classifyFee(err)
	return ok && status == fiber.StatusUnprocessableEntity
}

// feeMessage is a refusal's translated message.
func (s *Server) feeMessage(c *fiber.Ctx, err error) string {
	_, code := classify(err)
	return s.Catalog.T(langOf(c), "error."+code, nil)
}
