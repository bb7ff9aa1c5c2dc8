package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/estate"
)

// adoptedDays is the API's answer: how many days the adoption added or
// changed, and the estate's calendar days now.
type adoptedDays struct {
	Changed int                  `json:"changed"`
	Days    []estate.CalendarDay `json:"calendar_days"`
}

// estateCalendarAdopt merges China's statutory holidays and make-up
// working days, as shipped, into an estate's calendar; the estate edits
// them after like its own.
func (s *Server) estateCalendarAdopt(c *fiber.Ctx) error {
	id, err := pathUUID(c, "estate")
	if err != nil {
		return err
	}
	ctx, t := c.UserContext(), tenantOf(c)
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	n, err := s.Estates.AdoptOfficialDays(ctx, t.ID, scope, id)
	if err != nil {
		return err
	}
	if !isAPI(c) {
		s.flash(c, "deadline.official_adopted", map[string]any{"Count": n})
		return c.Redirect(tenantPath(c, "/estates/"+id.String()+"#calendar"), fiber.StatusSeeOther)
	}
	d, err := s.Estates.GetEstate(ctx, t.ID, scope, id)
	if err != nil {
		return err
	}
	if d.Days == nil {
		d.Days = []estate.CalendarDay{}
	}
	return c.JSON(adoptedDays{Changed: n, Days: d.Days})
}
