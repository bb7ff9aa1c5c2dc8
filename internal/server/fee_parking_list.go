package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/fee"
)

// feeParkingList: an estate's parking spaces (车位), archived ones last,
// each with the unit that pays its parking items and the person it is
// sold or let to; with the forms that keep the list.
func (s *Server) feeParkingList(c *fiber.Ctx) error {
	estates, est, err := s.feeEstates(c)
	if err != nil {
		return err
	}
	spaces := []fee.ParkingRow{}
	if est != nil {
		scope, err := s.scope(c)
		if err != nil {
			return err
		}
		if spaces, err = s.Fees.ParkingList(c.UserContext(), tenantOf(c).ID, scope, est.ID, true); err != nil {
			return err
		}
	}
	if isAPI(c) {
		return c.JSON(spaces)
	}
	return s.render(c, "fee_parking", "fee.page.parking", map[string]any{"Estates": estates, "Estate": est, "Spaces": spaces})
}
