package server

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/estate"
)

// calendarInput is the API's body: the weekly hours (left out: kept) and
// the complete list of holidays and make-up days.
type calendarInput struct {
	BusinessHours estate.Hours         `json:"business_hours"`
	Days          []estate.CalendarDay `json:"calendar_days"`
}

// estateCalendar replaces an estate's business hours and its holidays and
// make-up working days.
func (s *Server) estateCalendar(c *fiber.Ctx) error {
	id, err := pathUUID(c, "estate")
	if err != nil {
		return err
	}
	ctx, t := c.UserContext(), tenantOf(c)
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	var in calendarInput
	var form calendarForm
	if isAPI(c) {
		if err := parse(c, &in); err != nil {
			return err
		}
	} else {
		form, in, err = calendarFromForm(c)
	}
	if err == nil && in.BusinessHours == nil {
		cur, err := s.Estates.GetEstate(ctx, t.ID, scope, id)
		if err != nil {
			return err
		}
		in.BusinessHours = cur.Estate.BusinessHours
	}
	if err == nil {
		in.Days = sortedDays(in.Days)
		err = s.Estates.SetCalendar(ctx, t.ID, scope, id, in.BusinessHours, in.Days)
	}
	if err != nil {
		fail, err := s.refused(c, err, "Calendar", form)
		if err != nil {
			return err
		}
		return s.showEstate(c, id, fail)
	}
	if in.Days == nil {
		in.Days = []estate.CalendarDay{}
	}
	return s.done(c, tenantPath(c, "/estates/"+id.String()), "estate.calendar_saved", fiber.StatusOK, in)
}

// calendarFromForm reads the weekday fields hours_0 (Sunday) … hours_6 and
// the two textareas; the form comes back as typed for a second try.
func calendarFromForm(c *fiber.Ctx) (calendarForm, calendarInput, error) {
	form := calendarForm{Holidays: c.FormValue("holidays"), Workdays: c.FormValue("workdays")}
	in := calendarInput{BusinessHours: estate.Hours{}}
	var firstErr error
	for _, w := range weekdays {
		v := c.FormValue("hours_" + strconv.Itoa(int(w.Day)))
		form.Days = append(form.Days, dayHours{Day: int(w.Day), ID: w.ID, Value: v})
		spans, err := parseSpans(v)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if len(spans) > 0 {
			in.BusinessHours[w.Day] = spans
		}
	}
	holidays, err := parseDays(form.Holidays, estate.Holiday)
	if err != nil && firstErr == nil {
		firstErr = err
	}
	workdays, err := parseDays(form.Workdays, estate.Workday)
	if err != nil && firstErr == nil {
		firstErr = err
	}
	in.Days = append(holidays, workdays...)
	return form, in, firstErr
}
