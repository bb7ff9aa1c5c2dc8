package server

import "github.com/gofiber/fiber/v2"

// feeParkingUpdate changes a space's code, unit and person.
func (s *Server) feeParkingUpdate(c *fiber.Ctx) error {
	id, err := pathUUID(c, "space")
	if err != nil {
		return err
	}
	var in feeParkingInput
	if err := parse(c, &in); err != nil {
		return err
	}
	in.person(c)
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	ctx, t := c.UserContext(), tenantOf(c)
	cur, err := s.Fees.Parking(ctx, t.ID, scope, id)
	if err != nil {
		return err
	}
	back := tenantPath(c, "/fees/parking?estate="+cur.EstateID.String())
	ps, err := s.Fees.SaveParkingSpace(ctx, t.ID, scope, cur.EstateID, &id, in.ParkingInput)
	if err != nil {
		return s.feeRefused(c, err, back)
	}
	return s.done(c, back, "fee.done.parking_saved", fiber.StatusOK, ps)
}
