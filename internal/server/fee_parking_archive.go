package server

import "github.com/gofiber/fiber/v2"

// feeParkingArchive archives a space (its unit's parking items stop
// counting it; its bills stay) or brings it back.
func (s *Server) feeParkingArchive(archived bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathUUID(c, "space")
		if err != nil {
			return err
		}
		scope, err := s.scope(c)
		if err != nil {
			return err
		}
		ps, err := s.Fees.SetParkingArchived(c.UserContext(), tenantOf(c).ID, scope, id, archived)
		if err != nil {
			return err
		}
		return s.done(c, tenantPath(c, "/fees/parking?estate="+ps.EstateID.String()), "fee.done.parking_saved", fiber.StatusOK, ps)
	}
}
