package server

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/fee"
)

// feeRateInput is a rate as a browser types it: the price in yuan (up to
// four decimals). The API sends fee.RateInput with the price in
// hundredths of a fen.
type feeRateInput struct {
	fee.RateInput
	PriceYuan string `json:"-" form:"price"`
}

// feeRateAdd prices an item from a day on, for one unit kind or all.
func (s *Server) feeRateAdd(c *fiber.Ctx) error {
	id, err := pathUUID(c, "item")
	if err != nil {
		return err
	}
	var in feeRateInput
	if err := parse(c, &in); err != nil {
		return err
	}
	back := tenantPath(c, "/fees/items")
	if !isAPI(c) {
		if in.Price, err = fee.ParsePrice(strings.TrimSpace(in.PriceYuan)); err != nil {
			return s.feeRefused(c, err, back)
		}
	}
	a, err := s.feeActor(c)
	if err != nil {
		return err
	}
	ctx, t := c.UserContext(), tenantOf(c)
	r, err := s.Fees.AddRate(ctx, t.ID, a, id, in.RateInput)
	if err != nil {
		if it, _, ierr := s.Fees.Item(ctx, t.ID, a.Scope, id); ierr == nil {
			back += "?estate=" + it.EstateID.String()
		}
		return s.feeRefused(c, err, back)
	}
	it, _, err := s.Fees.Item(ctx, t.ID, a.Scope, id)
	if err != nil {
		return err
	}
	return s.done(c, back+"?estate="+it.EstateID.String(), "fee.done.rate_added", fiber.StatusCreated, r)
}
