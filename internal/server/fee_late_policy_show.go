package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/fee"
)

// feeLatePolicyShow: an estate's late-fee policy (滞纳金), off unless a
// manager set it, with the form that sets it (fee:manage).
func (s *Server) feeLatePolicyShow(c *fiber.Ctx) error {
	estates, est, err := s.feeEstates(c)
	if err != nil {
		return err
	}
	var p *fee.LatePolicy
	if est != nil {
		scope, err := s.scope(c)
		if err != nil {
			return err
		}
		if p, err = s.Fees.LatePolicy(c.UserContext(), tenantOf(c).ID, scope, est.ID); err != nil {
			return err
		}
	}
	if isAPI(c) {
		if p == nil {
			return fiber.ErrNotFound
		}
		return c.JSON(p)
	}
	data := map[string]any{"Estates": estates, "Estate": est, "Policy": p}
	if p != nil {
		// As the form types them: a percent a day, yuan.
		data["RateText"], data["CapText"] = fee.FormatLateRate(p.RatePPM), fee.FormatPrice(p.CapFen*100)
	}
	return s.render(c, "fee_late_policy", "latefee.page.policy", data)
}
