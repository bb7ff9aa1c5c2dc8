package server

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database"
)

// feeParkingCreate adds a parking space to an estate.
func (s *Server) feeParkingCreate(c *fiber.Ctx) error {
	var in feeParkingInput
	if err := parse(c, &in); err != nil {
		return err
	}
	estateID, err := uuid.Parse(in.EstateID)
	if err != nil {
		return database.ErrNotFound
	}
	in.person(c)
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	ps, err := s.Fees.SaveParkingSpace(c.UserContext(), tenantOf(c).ID, scope, estateID, nil, in.ParkingInput)
	back := tenantPath(c, "/fees/parking?estate="+estateID.String())
	if err != nil {
		return s.feeRefused(c, err, back)
	}
	return s.done(c, back, "fee.done.parking_saved", fiber.StatusCreated, ps)
}
