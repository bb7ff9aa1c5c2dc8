package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/fee"
)

// feeCollectionRates: an estate's collection rate (收缴率) and arrears
// recovery (清欠率) for a period (last month by default), by building and
// item, as docs/fees.md defines them.
func (s *Server) feeCollectionRates(c *fiber.Ctx) error {
	estates, est, err := s.feeEstates(c)
	if err != nil {
		return err
	}
	period := c.Query("period")
	if period == "" {
		period = fee.PeriodOf(fee.Monthly, tenantToday(c)).Prev().String()
	}
	data := map[string]any{"Estates": estates, "Estate": est, "Period": period}
	if est == nil {
		return s.render(c, "fee_rates", "fee.page.rates", data)
	}
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	r, err := s.Fees.CollectionRates(c.UserContext(), tenantOf(c), scope, fee.RateQuery{EstateID: est.ID, Period: period, Until: c.Query("until")})
	if err != nil {
		return err
	}
	if isAPI(c) {
		return c.JSON(r)
	}
	data["Rates"] = r
	return s.render(c, "fee_rates", "fee.page.rates", data)
}
