package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/fee"
)

// feeItemInput is an item's form: the estate it belongs to and its fields.
type feeItemInput struct {
	EstateID string `json:"estate_id" form:"estate_id"`
	fee.ItemInput
}

// feeItemCreate adds a fee item to an estate.
func (s *Server) feeItemCreate(c *fiber.Ctx) error {
	var in feeItemInput
	if err := parse(c, &in); err != nil {
		return err
	}
	estateID, err := uuid.Parse(in.EstateID)
	if err != nil {
		return database.ErrNotFound
	}
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	it, err := s.Fees.CreateItem(c.UserContext(), tenantOf(c).ID, scope, estateID, in.ItemInput)
	back := tenantPath(c, "/fees/items?estate="+estateID.String())
	if err != nil {
		return s.feeRefused(c, err, back)
	}
	return s.done(c, back, "fee.done.item_created", fiber.StatusCreated, it)
}
