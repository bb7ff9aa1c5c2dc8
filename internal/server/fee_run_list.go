package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/fee"
)

// feeRunList: an estate's latest billing runs, and the form that previews
// the next one (this month by default).
func (s *Server) feeRunList(c *fiber.Ctx) error {
	estates, est, err := s.feeEstates(c)
	if err != nil {
		return err
	}
	runs := []fee.Run{}
	if est != nil {
		scope, err := s.scope(c)
		if err != nil {
			return err
		}
		if runs, err = s.Fees.Runs(c.UserContext(), tenantOf(c).ID, scope, est.ID); err != nil {
			return err
		}
		if runs == nil {
			runs = []fee.Run{}
		}
	}
	if isAPI(c) {
		return c.JSON(runs)
	}
	return s.render(c, "fee_runs", "fee.page.runs", map[string]any{"Estates": estates, "Estate": est, "Runs": runs,
		"Period": fee.PeriodOf(fee.Monthly, tenantToday(c)).String()})
}
