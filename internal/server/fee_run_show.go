package server

import (
	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/fee"
)

// feeRunShow: a billing run's progress (done of planned) while it works,
// then its outcome. The page reloads itself until the run has finished.
func (s *Server) feeRunShow(c *fiber.Ctx) error {
	id, err := pathUUID(c, "run")
	if err != nil {
		return err
	}
	scope, err := s.scope(c)
	if err != nil {
		return err
	}
	r, err := s.Fees.Run(c.UserContext(), tenantOf(c).ID, scope, id)
	if err != nil {
		return err
	}
	if isAPI(c) {
		return c.JSON(r)
	}
	working := r.Status == fee.RunQueued || r.Status == fee.RunRunning
	return s.render(c, "fee_run", "fee.page.run", map[string]any{"Run": r, "Working": working})
}
