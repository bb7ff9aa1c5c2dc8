package server

import (
	"github.com/gofiber/fiber/v2"
)

// feeRunPreview: what a run of the estate and period would create, by
// building and item, with the bills that exist already and the units
// skipped by reason — written nowhere, confirmed by feeRunCreate.
func (s *Server) feeRunPreview(c *fiber.Ctx) error {
	estates, est, err := s.feeEstates(c)
	if err != nil {
		return err
	}
	if est == nil {
		return errNotFoundRoute
	}
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	period := c.Query("period")
	sum, err := s.Fees.Preview(c.UserContext(), tenantOf(c).ID, scope, est.ID, period)
	if err != nil {
		return s.feeRefused(c, err, tenantPath(c, "/fees/runs?estate="+est.ID.String()))
	}
	if isAPI(c) {
		return c.JSON(sum)
	}
	return s.render(c, "fee_run_preview", "fee.page.preview", map[string]any{"Estates": estates, "Estate": est, "Period": period, "Summary": sum})
}
