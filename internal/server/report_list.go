package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/kpi"
	"github.com/estatedesk/estatedesk/internal/report"
)

// reportList: the archive of monthly reports in the caller's scope,
// newest month first, filtered by month and estate ("company" for the
// company's reports); the page also offers to generate one.
func (s *Server) reportList(c *fiber.Ctx) error {
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	q := report.Query{Month: c.Query("month")}
	if c.Query("estate") == "company" {
		q.Company = true
	} else if q.EstateID, err = queryUUID(c, "estate"); err != nil {
		return err
	}
	ctx, t := c.UserContext(), tenantOf(c)
	list, err := s.Reports.List(ctx, t, scope, q)
	if err != nil {
		return err
	}
	if isAPI(c) {
		return c.JSON(fiber.Map{"reports": list})
	}
	estates, err := s.Estates.Visible(ctx, t.ID, scope)
	if err != nil {
		return err
	}
	// Last month is what one usually generates.
	last := kpi.MonthOf(tenantToday(c), tenantOf(c).Location()).Add(-1).String()
	return s.render(c, "reports", "report.page.list", map[string]any{"Reports": list, "Estates": estates, "Company": scope.All,
		"Query": q, "Estate": c.Query("estate"), "LastMonth": last})
}
