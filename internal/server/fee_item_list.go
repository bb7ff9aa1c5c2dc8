package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/fee"
)

// feeItemView is an item with its rates, newest first.
type feeItemView struct {
	fee.Item
	Rates []fee.Rate `json:"rates"`
}

// feeItemList: an estate's fee items (archived ones too) with their rates,
// and the forms that set them up.
func (s *Server) feeItemList(c *fiber.Ctx) error {
	estates, est, err := s.feeEstates(c)
	if err != nil {
		return err
	}
	views := []feeItemView{}
	if est != nil {
		scope, err := s.scope(c)
		if err != nil {
			return err
		}
		items, err := s.Fees.Items(c.UserContext(), tenantOf(c).ID, scope, est.ID, true)
		if err != nil {
			return err
		}
		for _, it := range items {
			_, rates, err := s.Fees.Item(c.UserContext(), tenantOf(c).ID, scope, it.ID)
			if err != nil {
				return err
			}
			if rates == nil {
				rates = []fee.Rate{}
			}
			views = append(views, feeItemView{Item: it, Rates: rates})
		}
	}
	if isAPI(c) {
		return c.JSON(views)
	}
	return s.render(c, "fee_items", "fee.page.items", map[string]any{"Estates": estates, "Estate": est, "Items": views,
		"Kinds": fee.Kinds, "Cycles": fee.Cycles, "UnitKinds": estate.UnitKinds})
}
