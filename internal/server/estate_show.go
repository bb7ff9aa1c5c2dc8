package server

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/estate"
)

// calendarForm is the business-hours form: one field per weekday and the
// holidays and make-up working days, a range per line.
type calendarForm struct {
	Days     []dayHours
	Holidays string
	Workdays string
}

// estateShow: an estate's details, counts, calendar and buildings, with
// the forms the user may use.
func (s *Server) estateShow(c *fiber.Ctx) error {
	id, err := pathUUID(c, "estate")
	if err != nil {
		return err
	}
	return s.showEstate(c, id, nil)
}

func (s *Server) showEstate(c *fiber.Ctx, id uuid.UUID, fail *formFail) error {
	ctx, t := c.UserContext(), tenantOf(c)
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	d, err := s.Estates.GetEstate(ctx, t.ID, scope, id)
	if err != nil {
		return err
	}
	if isAPI(c) {
		return c.JSON(d)
	}
	buildings, err := s.Estates.Buildings(ctx, t.ID, scope, id)
	if err != nil {
		return err
	}
	sortBuildings(buildings)
	e := d.Estate
	// An estate whose hours were never set keeps the usual office hours.
	hours, defaultHours := e.BusinessHours, false
	if len(hours) == 0 {
		hours, defaultHours = estate.DefaultHours(), true
	}
	ranges := dayRanges(d.Days)
	dispatch, err := s.estateDispatch(c, scope, *e)
	if err != nil {
		return err
	}
	return s.render(c, "estate", "estate.title", withForms(map[string]any{
		"Detail":        d,
		"Buildings":     buildings,
		"Hours":         hoursByDay(hours),
		"DefaultHours":  defaultHours,
		"Ranges":        ranges,
		"EditEstate":    estate.EstateInput{Name: e.Name, Address: e.Address, OfficePhone: e.OfficePhone},
		"Calendar":      calendarForm{Days: hoursByDay(hours), Holidays: daysText(ranges, estate.Holiday), Workdays: daysText(ranges, estate.Workday)},
		"NewBuilding":   estate.BuildingInput{SortOrder: len(buildings) + 1},
		"Phone":         phoneViews(nonEmpty(estate.NormalizePhone(e.OfficePhone))),
		"OfficialYears": officialYears(),
		"Dispatch":      dispatch,
	}, fail))
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// sortBuildings orders buildings by their sort order, then by name with
// numbers by value: 1, 2, 10 rather than 1, 10, 2.
func sortBuildings(bs []estate.BuildingSummary) {
	slices.SortStableFunc(bs, func(a, b estate.BuildingSummary) int {
		if c := cmp.Compare(a.SortOrder, b.SortOrder); c != 0 {
			return c
		}
		return naturalCompare(a.Name, b.Name)
	})
}

// officialYears names the years of the official holiday schedule that
// ships, for the button that adopts it: "2026".
func officialYears() string {
	_, years, _ := estate.OfficialDays()
	out := make([]string, len(years))
	for i, y := range years {
		out[i] = strconv.Itoa(y)
	}
	return strings.Join(out, "、")
}
